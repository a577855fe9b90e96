//! The country and language codes the Transparency Database accepts (`territorial_scope`:
//! the member states of the European Economic Area; `content_language`: ISO 639-1 codes in
//! upper case).

tdb_enum! {
    /// A country of the European Economic Area (`territorial_scope`): the 27 member states of
    /// the EU, Iceland, Liechtenstein and Norway, as ISO 3166-1 alpha-2 codes (Greece is `GR`).
    #[allow(clippy::upper_case_acronyms)]
    Country {
        AT => "AT",
        BE => "BE",
        BG => "BG",
        CY => "CY",
        CZ => "CZ",
        DE => "DE",
        DK => "DK",
        EE => "EE",
        ES => "ES",
        FI => "FI",
        FR => "FR",
        GR => "GR",
        HR => "HR",
        HU => "HU",
        IE => "IE",
        IS => "IS",
        IT => "IT",
        LI => "LI",
        LT => "LT",
        LU => "LU",
        LV => "LV",
        MT => "MT",
        NL => "NL",
        NO => "NO",
        PL => "PL",
        PT => "PT",
        RO => "RO",
        SE => "SE",
        SI => "SI",
        SK => "SK",
    }
}

tdb_enum! {
    /// The language of the content (`content_language`): an ISO 639-1 code in upper case.
    #[allow(clippy::upper_case_acronyms)]
    Language {
        /// Abkhazian.
        AB => "AB",
        /// Afar.
        AA => "AA",
        /// Afrikaans.
        AF => "AF",
        /// Akan.
        AK => "AK",
        /// Albanian.
        SQ => "SQ",
        /// Amharic.
        AM => "AM",
        /// Arabic.
        AR => "AR",
        /// Aragonese.
        AN => "AN",
        /// Armenian.
        HY => "HY",
        /// Assamese.
        AS => "AS",
        /// Avaric.
        AV => "AV",
        /// Avestan.
        AE => "AE",
        /// Aymara.
        AY => "AY",
        /// Azerbaijani.
        AZ => "AZ",
        /// Bambara.
        BM => "BM",
        /// Bashkir.
        BA => "BA",
        /// Basque.
        EU => "EU",
        /// Belarusian.
        BE => "BE",
        /// Bengali.
        BN => "BN",
        /// Bihari languages.
        BH => "BH",
        /// Bislama.
        BI => "BI",
        /// Bosnian.
        BS => "BS",
        /// Breton.
        BR => "BR",
        /// Bulgarian.
        BG => "BG",
        /// Burmese.
        MY => "MY",
        /// Catalan, Valencian.
        CA => "CA",
        /// Central Khmer.
        KM => "KM",
        /// Chamorro.
        CH => "CH",
        /// Chechen.
        CE => "CE",
        /// Chichewa, Chewa, Nyanja.
        NY => "NY",
        /// Chinese.
        ZH => "ZH",
        /// Church Slavonic, Old Bulgarian, Old Church Slavonic.
        CU => "CU",
        /// Chuvash.
        CV => "CV",
        /// Cornish.
        KW => "KW",
        /// Corsican.
        CO => "CO",
        /// Cree.
        CR => "CR",
        /// Croatian.
        HR => "HR",
        /// Czech.
        CS => "CS",
        /// Danish.
        DA => "DA",
        /// Divehi, Dhivehi, Maldivian.
        DV => "DV",
        /// Dutch.
        NL => "NL",
        /// Dzongkha.
        DZ => "DZ",
        /// English.
        EN => "EN",
        /// Esperanto.
        EO => "EO",
        /// Estonian.
        ET => "ET",
        /// Ewe.
        EE => "EE",
        /// Faroese.
        FO => "FO",
        /// Fijian.
        FJ => "FJ",
        /// Finnish.
        FI => "FI",
        /// French.
        FR => "FR",
        /// Fulah.
        FF => "FF",
        /// Gaelic, Scottish Gaelic.
        GD => "GD",
        /// Galician.
        GL => "GL",
        /// Ganda.
        LG => "LG",
        /// Georgian.
        KA => "KA",
        /// German.
        DE => "DE",
        /// Gikuyu, Kikuyu.
        KI => "KI",
        /// Greek.
        EL => "EL",
        /// Greenlandic, Kalaallisut.
        KL => "KL",
        /// Guarani.
        GN => "GN",
        /// Gujarati.
        GU => "GU",
        /// Haitian, Haitian Creole.
        HT => "HT",
        /// Hausa.
        HA => "HA",
        /// Hebrew.
        HE => "HE",
        /// Herero.
        HZ => "HZ",
        /// Hindi.
        HI => "HI",
        /// Hiri Motu.
        HO => "HO",
        /// Hungarian.
        HU => "HU",
        /// Icelandic.
        IS => "IS",
        /// Ido.
        IO => "IO",
        /// Igbo.
        IG => "IG",
        /// Indonesian.
        ID => "ID",
        /// Interlingua (International Auxiliary Language Association).
        IA => "IA",
        /// Interlingue.
        IE => "IE",
        /// Inuktitut.
        IU => "IU",
        /// Inupiaq.
        IK => "IK",
        /// Irish.
        GA => "GA",
        /// Italian.
        IT => "IT",
        /// Japanese.
        JA => "JA",
        /// Javanese.
        JV => "JV",
        /// Kannada.
        KN => "KN",
        /// Kanuri.
        KR => "KR",
        /// Kashmiri.
        KS => "KS",
        /// Kazakh.
        KK => "KK",
        /// Kinyarwanda.
        RW => "RW",
        /// Komi.
        KV => "KV",
        /// Kongo.
        KG => "KG",
        /// Korean.
        KO => "KO",
        /// Kwanyama, Kuanyama.
        KJ => "KJ",
        /// Kurdish.
        KU => "KU",
        /// Kyrgyz.
        KY => "KY",
        /// Lao.
        LO => "LO",
        /// Latin.
        LA => "LA",
        /// Latvian.
        LV => "LV",
        /// Letzeburgesch, Luxembourgish.
        LB => "LB",
        /// Limburgish, Limburgan, Limburger.
        LI => "LI",
        /// Lingala.
        LN => "LN",
        /// Lithuanian.
        LT => "LT",
        /// Luba-Katanga.
        LU => "LU",
        /// Macedonian.
        MK => "MK",
        /// Malagasy.
        MG => "MG",
        /// Malay.
        MS => "MS",
        /// Malayalam.
        ML => "ML",
        /// Maltese.
        MT => "MT",
        /// Manx.
        GV => "GV",
        /// Maori.
        MI => "MI",
        /// Marathi.
        MR => "MR",
        /// Marshallese.
        MH => "MH",
        /// Romanian.
        RO => "RO",
        /// Mongolian.
        MN => "MN",
        /// Nauru.
        NA => "NA",
        /// Navajo, Navaho.
        NV => "NV",
        /// Northern Ndebele.
        ND => "ND",
        /// Ndonga.
        NG => "NG",
        /// Nepali.
        NE => "NE",
        /// Northern Sami.
        SE => "SE",
        /// Norwegian.
        NO => "NO",
        /// Norwegian Bokmål.
        NB => "NB",
        /// Norwegian Nynorsk.
        NN => "NN",
        /// Nuosu, Sichuan Yi.
        II => "II",
        /// Occitan (post 1500).
        OC => "OC",
        /// Ojibwa.
        OJ => "OJ",
        /// Oriya.
        OR => "OR",
        /// Oromo.
        OM => "OM",
        /// Ossetian, Ossetic.
        OS => "OS",
        /// Pali.
        PI => "PI",
        /// Panjabi, Punjabi.
        PA => "PA",
        /// Pashto, Pushto.
        PS => "PS",
        /// Persian.
        FA => "FA",
        /// Polish.
        PL => "PL",
        /// Portuguese.
        PT => "PT",
        /// Quechua.
        QU => "QU",
        /// Romansh.
        RM => "RM",
        /// Rundi.
        RN => "RN",
        /// Russian.
        RU => "RU",
        /// Samoan.
        SM => "SM",
        /// Sango.
        SG => "SG",
        /// Sanskrit.
        SA => "SA",
        /// Sardinian.
        SC => "SC",
        /// Serbian.
        SR => "SR",
        /// Shona.
        SN => "SN",
        /// Sindhi.
        SD => "SD",
        /// Sinhala, Sinhalese.
        SI => "SI",
        /// Slovak.
        SK => "SK",
        /// Slovenian.
        SL => "SL",
        /// Somali.
        SO => "SO",
        /// Sotho, Southern.
        ST => "ST",
        /// South Ndebele.
        NR => "NR",
        /// Spanish.
        ES => "ES",
        /// Sundanese.
        SU => "SU",
        /// Swahili.
        SW => "SW",
        /// Swati.
        SS => "SS",
        /// Swedish.
        SV => "SV",
        /// Tagalog.
        TL => "TL",
        /// Tahitian.
        TY => "TY",
        /// Tajik.
        TG => "TG",
        /// Tamil.
        TA => "TA",
        /// Tatar.
        TT => "TT",
        /// Telugu.
        TE => "TE",
        /// Thai.
        TH => "TH",
        /// Tibetan.
        BO => "BO",
        /// Tigrinya.
        TI => "TI",
        /// Tonga (Tonga Islands).
        TO => "TO",
        /// Tsonga.
        TS => "TS",
        /// Tswana.
        TN => "TN",
        /// Turkish.
        TR => "TR",
        /// Turkmen.
        TK => "TK",
        /// Twi.
        TW => "TW",
        /// Uighur, Uyghur.
        UG => "UG",
        /// Ukrainian.
        UK => "UK",
        /// Urdu.
        UR => "UR",
        /// Uzbek.
        UZ => "UZ",
        /// Venda.
        VE => "VE",
        /// Vietnamese.
        VI => "VI",
        /// Volapük.
        VO => "VO",
        /// Walloon.
        WA => "WA",
        /// Welsh.
        CY => "CY",
        /// Western Frisian.
        FY => "FY",
        /// Wolof.
        WO => "WO",
        /// Xhosa.
        XH => "XH",
        /// Yiddish.
        YI => "YI",
        /// Yoruba.
        YO => "YO",
        /// Zhuang, Chuang.
        ZA => "ZA",
        /// Zulu.
        ZU => "ZU",
    }
}
