mod alerts;
mod prop_visibility;
