//! The in-memory post set: columnar storage with interned users, message ids and URLs.

use crate::error::CoordError;
use crate::intern::Interner;

/// Marks an absent id (no repost, no reply).
pub const NONE: u32 = u32::MAX;

/// One post as handed to [`Corpus::push`]. Empty strings mean "absent".
#[derive(Debug, Clone, Copy, Default)]
pub struct PostInput<'a> {
    /// Platform id of the post (deduplicated: the first post with an id wins).
    pub id: &'a str,
    /// Platform id of the author.
    pub user: &'a str,
    /// Display name of the author (may be empty).
    pub username: &'a str,
    /// Id of the post this one reposts verbatim (retweet), or "".
    pub repost_of: &'a str,
    /// Id of the post this one replies to, or "".
    pub reply_to: &'a str,
    /// Text of the post.
    pub text: &'a str,
    /// Time of the post, in any fixed unit (the window uses the same unit).
    pub time: i64,
    /// URLs in the post; empty strings are ignored, repeats count once.
    pub urls: &'a [&'a str],
}

/// Outcome of [`Corpus::push`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pushed {
    /// The post was added under this index.
    Added(u32),
    /// A post with the same id was already present; this one was dropped.
    Duplicate,
}

/// A set of posts ready for network computation.
#[derive(Debug, Clone, Default)]
pub struct Corpus {
    ids: Interner,
    id_is_post: Vec<bool>,
    users: Interner,
    usernames: Vec<String>,
    urls: Interner,
    pub(crate) post_id: Vec<u32>,
    pub(crate) user: Vec<u32>,
    pub(crate) time: Vec<i64>,
    pub(crate) repost: Vec<u32>,
    pub(crate) reply: Vec<u32>,
    text: String,
    text_end: Vec<usize>,
    pub(crate) url_end: Vec<u32>,
    pub(crate) url_ids: Vec<u32>,
    duplicates: u64,
}

impl Corpus {
    /// Creates an empty corpus.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a post. The first post with a given id wins; later ones are counted as duplicates.
    pub fn push(&mut self, p: &PostInput<'_>) -> Result<Pushed, CoordError> {
        let (mid, _) = self
            .ids
            .intern(p.id)
            .ok_or(CoordError::TooLarge("message ids"))?;
        let mid_us = mid as usize;
        if self.id_is_post.len() <= mid_us {
            self.id_is_post.resize(mid_us + 1, false);
        }
        if self.id_is_post[mid_us] {
            self.duplicates += 1;
            return Ok(Pushed::Duplicate);
        }
        let index = u32::try_from(self.post_id.len())
            .ok()
            .filter(|&i| i < NONE)
            .ok_or(CoordError::TooLarge("posts"))?;
        self.id_is_post[mid_us] = true;
        let (uid, new_user) = self
            .users
            .intern(p.user)
            .ok_or(CoordError::TooLarge("users"))?;
        if new_user {
            self.usernames.push(p.username.to_string());
        } else if let Some(name) = self.usernames.get_mut(uid as usize) {
            if name.is_empty() && !p.username.is_empty() {
                *name = p.username.to_string();
            }
        }
        let repost = self.optional_id(p.repost_of)?;
        let reply = self.optional_id(p.reply_to)?;
        self.post_id.push(mid);
        self.user.push(uid);
        self.time.push(p.time);
        self.repost.push(repost);
        self.reply.push(reply);
        self.text.push_str(p.text);
        self.text_end.push(self.text.len());
        let start = self.url_ids.len();
        for url in p.urls.iter().filter(|u| !u.is_empty()) {
            let (u, _) = self.urls.intern(url).ok_or(CoordError::TooLarge("urls"))?;
            if !self.url_ids[start..].contains(&u) {
                self.url_ids.push(u);
            }
        }
        let end = u32::try_from(self.url_ids.len()).map_err(|_| CoordError::TooLarge("urls"))?;
        self.url_end.push(end);
        Ok(Pushed::Added(index))
    }

    fn optional_id(&mut self, s: &str) -> Result<u32, CoordError> {
        if s.is_empty() {
            return Ok(NONE);
        }
        let (id, _) = self
            .ids
            .intern(s)
            .ok_or(CoordError::TooLarge("message ids"))?;
        if self.id_is_post.len() <= id as usize {
            self.id_is_post.resize(id as usize + 1, false);
        }
        Ok(id)
    }

    /// Number of posts.
    pub fn len(&self) -> usize {
        self.post_id.len()
    }

    /// True when there are no posts.
    pub fn is_empty(&self) -> bool {
        self.post_id.is_empty()
    }

    /// Number of posts dropped because their id was already present.
    pub fn duplicates(&self) -> u64 {
        self.duplicates
    }

    /// Number of distinct users.
    pub fn user_count(&self) -> usize {
        self.users.len()
    }

    /// The platform id of user `u`.
    pub fn user_name(&self, u: u32) -> &str {
        self.users.get(u)
    }

    /// The display name of user `u` (may be empty).
    pub fn username(&self, u: u32) -> &str {
        self.usernames
            .get(u as usize)
            .map(String::as_str)
            .unwrap_or("")
    }

    /// The dense id of a user, if present.
    pub fn user_id(&self, name: &str) -> Option<u32> {
        self.users.lookup(name)
    }

    /// The id string of post `i`.
    pub fn post_id(&self, i: u32) -> &str {
        self.post_id
            .get(i as usize)
            .map(|&m| self.ids.get(m))
            .unwrap_or("")
    }

    /// The author of post `i`.
    pub fn post_user(&self, i: u32) -> u32 {
        self.user.get(i as usize).copied().unwrap_or(NONE)
    }

    /// The time of post `i`.
    pub fn post_time(&self, i: u32) -> i64 {
        self.time.get(i as usize).copied().unwrap_or(0)
    }

    /// The text of post `i`.
    pub fn post_text(&self, i: u32) -> &str {
        let i = i as usize;
        let Some(&end) = self.text_end.get(i) else {
            return "";
        };
        let start = if i == 0 { 0 } else { self.text_end[i - 1] };
        self.text.get(start..end).unwrap_or("")
    }

    /// True when post `i` is a verbatim repost.
    pub fn is_repost(&self, i: u32) -> bool {
        self.repost.get(i as usize).is_some_and(|&r| r != NONE)
    }

    /// The id string of the post that post `i` reposts, if any.
    pub fn repost_of(&self, i: u32) -> Option<&str> {
        self.repost
            .get(i as usize)
            .filter(|&&r| r != NONE)
            .map(|&r| self.ids.get(r))
    }

    /// The id string of the post that post `i` replies to, if any.
    pub fn reply_to(&self, i: u32) -> Option<&str> {
        self.reply
            .get(i as usize)
            .filter(|&&r| r != NONE)
            .map(|&r| self.ids.get(r))
    }

    /// The distinct URLs of post `i`.
    pub fn post_urls(&self, i: u32) -> impl Iterator<Item = &str> + '_ {
        let i = i as usize;
        let end = self.url_end.get(i).copied().unwrap_or(0) as usize;
        let start = if i == 0 {
            0
        } else {
            self.url_end.get(i - 1).copied().unwrap_or(0) as usize
        };
        self.url_ids
            .get(start..end)
            .unwrap_or(&[])
            .iter()
            .map(|&u| self.urls.get(u))
    }

    pub(crate) fn url_range(&self, i: usize) -> &[u32] {
        let end = self.url_end.get(i).copied().unwrap_or(0) as usize;
        let start = if i == 0 {
            0
        } else {
            self.url_end.get(i - 1).copied().unwrap_or(0) as usize
        };
        self.url_ids.get(start..end).unwrap_or(&[])
    }

    pub(crate) fn id_string(&self, id: u32) -> &str {
        self.ids.get(id)
    }

    pub(crate) fn url_string(&self, id: u32) -> &str {
        self.urls.get(id)
    }
}
