//! The Transparency Database's enumerations (`app/Models/Statement.php`, schema of 1 July 2025),
//! each value under the Database's own name, with its label in the webform as documentation.

tdb_enum! {
    /// A restriction of the visibility of the content (`decision_visibility`).
    DecisionVisibility {
        /// Removal of content.
        ContentRemoved => "DECISION_VISIBILITY_CONTENT_REMOVED",
        /// Disabling access to content.
        ContentDisabled => "DECISION_VISIBILITY_CONTENT_DISABLED",
        /// Demotion of content.
        ContentDemoted => "DECISION_VISIBILITY_CONTENT_DEMOTED",
        /// Age restricted content.
        ContentAgeRestricted => "DECISION_VISIBILITY_CONTENT_AGE_RESTRICTED",
        /// Restricting interaction with content.
        ContentInteractionRestricted => "DECISION_VISIBILITY_CONTENT_INTERACTION_RESTRICTED",
        /// Labelled content.
        ContentLabelled => "DECISION_VISIBILITY_CONTENT_LABELLED",
        /// Other restriction (please specify).
        Other => "DECISION_VISIBILITY_OTHER",
    }
}

tdb_enum! {
    /// A restriction of monetary payments (`decision_monetary`).
    DecisionMonetary {
        /// Suspension of monetary payments.
        Suspension => "DECISION_MONETARY_SUSPENSION",
        /// Termination of monetary payments.
        Termination => "DECISION_MONETARY_TERMINATION",
        /// Other restriction (please specify).
        Other => "DECISION_MONETARY_OTHER",
    }
}

tdb_enum! {
    /// A restriction of the provision of the service (`decision_provision`).
    DecisionProvision {
        /// Partial suspension of the provision of the service.
        PartialSuspension => "DECISION_PROVISION_PARTIAL_SUSPENSION",
        /// Total suspension of the provision of the service.
        TotalSuspension => "DECISION_PROVISION_TOTAL_SUSPENSION",
        /// Partial termination of the provision of the service.
        PartialTermination => "DECISION_PROVISION_PARTIAL_TERMINATION",
        /// Total termination of the provision of the service.
        TotalTermination => "DECISION_PROVISION_TOTAL_TERMINATION",
    }
}

tdb_enum! {
    /// A restriction of the account (`decision_account`).
    DecisionAccount {
        /// Suspension of the account.
        Suspended => "DECISION_ACCOUNT_SUSPENDED",
        /// Termination of the account.
        Terminated => "DECISION_ACCOUNT_TERMINATED",
    }
}

tdb_enum! {
    /// The kind of account concerned (`account_type`).
    AccountType {
        /// Business.
        Business => "ACCOUNT_TYPE_BUSINESS",
        /// Private.
        Private => "ACCOUNT_TYPE_PRIVATE",
    }
}

tdb_enum! {
    /// Why the provider decided: illegal content or incompatibility with its terms (`decision_ground`).
    DecisionGround {
        /// Illegal Content.
        IllegalContent => "DECISION_GROUND_ILLEGAL_CONTENT",
        /// Content incompatible with terms and conditions.
        IncompatibleContent => "DECISION_GROUND_INCOMPATIBLE_CONTENT",
    }
}

tdb_enum! {
    /// The type of the content (`content_type`, an array).
    ContentType {
        /// App.
        App => "CONTENT_TYPE_APP",
        /// Audio.
        Audio => "CONTENT_TYPE_AUDIO",
        /// Image.
        Image => "CONTENT_TYPE_IMAGE",
        /// Product.
        Product => "CONTENT_TYPE_PRODUCT",
        /// Synthetic Media.
        SyntheticMedia => "CONTENT_TYPE_SYNTHETIC_MEDIA",
        /// Text.
        Text => "CONTENT_TYPE_TEXT",
        /// Video.
        Video => "CONTENT_TYPE_VIDEO",
        /// Other.
        Other => "CONTENT_TYPE_OTHER",
    }
}

tdb_enum! {
    /// The category of the statement (`category`, `category_addition`).
    Category {
        /// Animal welfare.
        AnimalWelfare => "STATEMENT_CATEGORY_ANIMAL_WELFARE",
        /// Consumer information infringements.
        ConsumerInformation => "STATEMENT_CATEGORY_CONSUMER_INFORMATION",
        /// Cyber violence.
        CyberViolence => "STATEMENT_CATEGORY_CYBER_VIOLENCE",
        /// Cyber violence against women.
        CyberViolenceAgainstWomen => "STATEMENT_CATEGORY_CYBER_VIOLENCE_AGAINST_WOMEN",
        /// Data protection and privacy violations.
        DataProtectionAndPrivacyViolations => "STATEMENT_CATEGORY_DATA_PROTECTION_AND_PRIVACY_VIOLATIONS",
        /// Illegal or harmful speech.
        IllegalOrHarmfulSpeech => "STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH",
        /// Intellectual property infringements.
        IntellectualPropertyInfringements => "STATEMENT_CATEGORY_INTELLECTUAL_PROPERTY_INFRINGEMENTS",
        /// Negative effects on civic discourse or elections.
        NegativeEffectsOnCivicDiscourseOrElections => "STATEMENT_CATEGORY_NEGATIVE_EFFECTS_ON_CIVIC_DISCOURSE_OR_ELECTIONS",
        /// Type of alleged illegal content not specified by the notifier.
        NotSpecifiedNotice => "STATEMENT_CATEGORY_NOT_SPECIFIED_NOTICE",
        /// Other violation of provider’s terms and conditions.
        OtherViolationTc => "STATEMENT_CATEGORY_OTHER_VIOLATION_TC",
        /// Protection of minors.
        ProtectionOfMinors => "STATEMENT_CATEGORY_PROTECTION_OF_MINORS",
        /// Risk for public security.
        RiskForPublicSecurity => "STATEMENT_CATEGORY_RISK_FOR_PUBLIC_SECURITY",
        /// Scams and/or fraud.
        ScamsAndFraud => "STATEMENT_CATEGORY_SCAMS_AND_FRAUD",
        /// Self-harm.
        SelfHarm => "STATEMENT_CATEGORY_SELF_HARM",
        /// Unsafe, non-compliant or prohibited products.
        UnsafeAndProhibitedProducts => "STATEMENT_CATEGORY_UNSAFE_AND_PROHIBITED_PRODUCTS",
        /// Violence.
        Violence => "STATEMENT_CATEGORY_VIOLENCE",
    }
}

tdb_enum! {
    /// A keyword specifying the category (`category_specification`, an array).
    Keyword {
        /// Adult sexual material.
        AdultSexualMaterial => "KEYWORD_ADULT_SEXUAL_MATERIAL",
        /// Age-specific restrictions.
        AgeSpecificRestrictions => "KEYWORD_AGE_SPECIFIC_RESTRICTIONS",
        /// Age-specific restrictions concerning minors.
        AgeSpecificRestrictionsMinors => "KEYWORD_AGE_SPECIFIC_RESTRICTIONS_MINORS",
        /// Animal harm.
        AnimalHarm => "KEYWORD_ANIMAL_HARM",
        /// Biometric data breach.
        BiometricDataBreach => "KEYWORD_BIOMETRIC_DATA_BREACH",
        /// Cyber bullying and intimidation against girls.
        BullyingAgainstGirls => "KEYWORD_BULLYING_AGAINST_GIRLS",
        /// Child sexual abuse material.
        ChildSexualAbuseMaterial => "KEYWORD_CHILD_SEXUAL_ABUSE_MATERIAL",
        /// Child sexual abuse material containing deepfake or similar technology.
        ChildSexualAbuseMaterialDeepfake => "KEYWORD_CHILD_SEXUAL_ABUSE_MATERIAL_DEEPFAKE",
        /// Content promoting eating disorders.
        ContentPromotingEatingDisorders => "KEYWORD_CONTENT_PROMOTING_EATING_DISORDERS",
        /// Coordinated harm.
        CoordinatedHarm => "KEYWORD_COORDINATED_HARM",
        /// Copyright infringements.
        CopyrightInfringement => "KEYWORD_COPYRIGHT_INFRINGEMENT",
        /// Cyber bullying and intimidation.
        CyberBullyingIntimidation => "KEYWORD_CYBER_BULLYING_INTIMIDATION",
        /// Cyber harassment.
        CyberHarassment => "KEYWORD_CYBER_HARASSMENT",
        /// Cyber harassment against women.
        CyberHarassmentAgainstWomen => "KEYWORD_CYBER_HARASSMENT_AGAINST_WOMEN",
        /// Cyber incitement to hatred or violence.
        CyberIncitement => "KEYWORD_CYBER_INCITEMENT",
        /// Cyber stalking.
        CyberStalking => "KEYWORD_CYBER_STALKING",
        /// Cyber stalking against women.
        CyberStalkingAgainstWomen => "KEYWORD_CYBER_STALKING_AGAINST_WOMEN",
        /// Data falsification.
        DataFalsification => "KEYWORD_DATA_FALSIFICATION",
        /// Defamation.
        Defamation => "KEYWORD_DEFAMATION",
        /// Design infringements.
        DesignInfringement => "KEYWORD_DESIGN_INFRINGEMENT",
        /// Discrimination.
        Discrimination => "KEYWORD_DISCRIMINATION",
        /// Gendered disinformation.
        FemaleGenderedDisinformation => "KEYWORD_FEMALE_GENDERED_DISINFORMATION",
        /// Geographic indications infringements.
        GeographicIndicationsInfringement => "KEYWORD_GEOGRAPHIC_INDICATIONS_INFRINGEMENT",
        /// Geographical requirements.
        GeographicalRequirements => "KEYWORD_GEOGRAPHICAL_REQUIREMENTS",
        /// Goods/services not permitted to be offered on the platform.
        GoodsServicesNotPermitted => "KEYWORD_GOODS_SERVICES_NOT_PERMITTED",
        /// Grooming/sexual enticement of minors.
        GroomingSexualEnticementMinors => "KEYWORD_GROOMING_SEXUAL_ENTICEMENT_MINORS",
        /// Illegal incitement to violence and hatred based on protected characteristics (hate speech).
        HateSpeech => "KEYWORD_HATE_SPEECH",
        /// Hidden advertisement or commercial communication, including by influencers.
        HiddenAdvertisement => "KEYWORD_HIDDEN_ADVERTISEMENT",
        /// Human exploitation.
        HumanExploitation => "KEYWORD_HUMAN_EXPLOITATION",
        /// Human trafficking.
        HumanTrafficking => "KEYWORD_HUMAN_TRAFFICKING",
        /// Illegal organizations.
        IllegalOrganizations => "KEYWORD_ILLEGAL_ORGANIZATIONS",
        /// Impersonation or account hijacking.
        ImpersonationAccountHijacking => "KEYWORD_IMPERSONATION_ACCOUNT_HIJACKING",
        /// Inauthentic accounts.
        InauthenticAccounts => "KEYWORD_INAUTHENTIC_ACCOUNTS",
        /// Inauthentic listings.
        InauthenticListings => "KEYWORD_INAUTHENTIC_LISTINGS",
        /// Inauthentic user reviews.
        InauthenticUserReviews => "KEYWORD_INAUTHENTIC_USER_REVIEWS",
        /// Illegal incitement to violence and hatred against women.
        IncitementAgainstWomen => "KEYWORD_INCITEMENT_AGAINST_WOMEN",
        /// General calls or incitement to violence and/or hatred.
        IncitementViolenceHatred => "KEYWORD_INCITEMENT_VIOLENCE_HATRED",
        /// Insufficient information on traders.
        InsufficientInformationOnTraders => "KEYWORD_INSUFFICIENT_INFORMATION_ON_TRADERS",
        /// Language requirements.
        LanguageRequirements => "KEYWORD_LANGUAGE_REQUIREMENTS",
        /// Misinformation, disinformation, foreign information manipulation and interference.
        MisinformationDisinformation => "KEYWORD_MISINFORMATION_DISINFORMATION",
        /// Misleading information about the consumer's rights.
        MisleadingInfoConsumerRights => "KEYWORD_MISLEADING_INFO_CONSUMER_RIGHTS",
        /// Misleading information about the characteristics of the goods and services.
        MisleadingInfoGoodsServices => "KEYWORD_MISLEADING_INFO_GOODS_SERVICES",
        /// Missing processing ground for data.
        MissingProcessingGround => "KEYWORD_MISSING_PROCESSING_GROUND",
        /// Non-consensual (intimate) material sharing, including (image-based) sexual abuse (excluding content depicting minors).
        NonConsensualImageSharing => "KEYWORD_NON_CONSENSUAL_IMAGE_SHARING",
        /// Non-consensual (intimate) material sharing against women, including (image-based) sexual abuse against women (excluding content depicting minors).
        NonConsensualImageSharingAgainstWomen => "KEYWORD_NON_CONSENSUAL_IMAGE_SHARING_AGAINST_WOMEN",
        /// Non-consensual sharing of material containing deepfake or similar technology using a third party's features (excluding content depicting minors).
        NonConsensualMaterialDeepfake => "KEYWORD_NON_CONSENSUAL_MATERIAL_DEEPFAKE",
        /// Non-consensual sharing of material containing deepfake or similar technology using a third party's features against women (excluding content depicting minors).
        NonConsensualMaterialDeepfakeAgainstWomen => "KEYWORD_NON_CONSENSUAL_MATERIAL_DEEPFAKE_AGAINST_WOMEN",
        /// Non-compliance with pricing regulations.
        NoncompliancePricing => "KEYWORD_NONCOMPLIANCE_PRICING",
        /// Nudity.
        Nudity => "KEYWORD_NUDITY",
        /// Patent infringements.
        PatentInfringement => "KEYWORD_PATENT_INFRINGEMENT",
        /// Phishing.
        Phishing => "KEYWORD_PHISHING",
        /// Prohibited or restricted products.
        ProhibitedProducts => "KEYWORD_PROHIBITED_PRODUCTS",
        /// Pyramid schemes.
        PyramidSchemes => "KEYWORD_PYRAMID_SCHEMES",
        /// Right to be forgotten.
        RightToBeForgotten => "KEYWORD_RIGHT_TO_BE_FORGOTTEN",
        /// Risk for environmental damage.
        RiskEnvironmentalDamage => "KEYWORD_RISK_ENVIRONMENTAL_DAMAGE",
        /// Risk for public health.
        RiskPublicHealth => "KEYWORD_RISK_PUBLIC_HEALTH",
        /// Self-mutilation.
        SelfMutilation => "KEYWORD_SELF_MUTILATION",
        /// Stalking.
        Stalking => "KEYWORD_STALKING",
        /// Suicide.
        Suicide => "KEYWORD_SUICIDE",
        /// Terrorist content.
        TerroristContent => "KEYWORD_TERRORIST_CONTENT",
        /// Trade secret infringements.
        TradeSecretInfringement => "KEYWORD_TRADE_SECRET_INFRINGEMENT",
        /// Trademark infringements.
        TrademarkInfringement => "KEYWORD_TRADEMARK_INFRINGEMENT",
        /// Trafficking in women and girls.
        TraffickingWomenGirls => "KEYWORD_TRAFFICKING_WOMEN_GIRLS",
        /// Unlawful sale of animals.
        UnlawfulSaleAnimals => "KEYWORD_UNLAWFUL_SALE_ANIMALS",
        /// Unsafe challenges.
        UnsafeChallenges => "KEYWORD_UNSAFE_CHALLENGES",
        /// Unsafe or non-compliant products.
        UnsafeProducts => "KEYWORD_UNSAFE_PRODUCTS",
        /// Violation of EU law relevant to civic discourse or elections.
        ViolationEuLaw => "KEYWORD_VIOLATION_EU_LAW",
        /// Violation of national law relevant to civic discourse or elections.
        ViolationNationalLaw => "KEYWORD_VIOLATION_NATIONAL_LAW",
        /// Not captured by any other keyword.
        Other => "KEYWORD_OTHER",
    }
}

tdb_enum! {
    /// The source of the information that led to the decision (`source_type`).
    SourceType {
        /// Notice submitted in accordance with Article 16 DSA.
        Article16 => "SOURCE_ARTICLE_16",
        /// Notice submitted by a trusted flagger.
        TrustedFlagger => "SOURCE_TRUSTED_FLAGGER",
        /// Other type of notification.
        OtherNotification => "SOURCE_TYPE_OTHER_NOTIFICATION",
        /// Own voluntary initiative.
        Voluntary => "SOURCE_VOLUNTARY",
    }
}

tdb_enum! {
    /// Whether the decision was taken by automated means (`automated_decision`).
    AutomatedDecision {
        /// Fully automated.
        Fully => "AUTOMATED_DECISION_FULLY",
        /// Partially automated.
        Partially => "AUTOMATED_DECISION_PARTIALLY",
        /// Not Automated.
        NotAutomated => "AUTOMATED_DECISION_NOT_AUTOMATED",
    }
}
