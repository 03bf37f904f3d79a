"""schema.org type families the structured-data reader needs, as lower-case type names.

Generated from schema.org's own type list (data/releases/30.0/schemaorg-all-https-types.csv in
github.com/schemaorg/schemaorg, the subTypeOf column followed to the root) by the snippet in
bench/schemaorg.py (`--families`); regenerate it there when schema.org adds types.
"""

# CreativeWork, Event and Product with all their subtypes: things a page can be about whose people and
# organisations are credits (author, publisher, performer, manufacturer…), not practitioners.
WORK_TYPES = frozenset({
    "3dmodel", "aboutpage", "advertisercontentarticle", "ampstory", "analysisnewsarticle", "answer",
    "apireference", "archivecomponent", "article", "askpublicnewsarticle", "atlas", "audiobook",
    "audioobject", "audioobjectsnapshot", "backgroundnewsarticle", "barcode", "blog", "blogposting",
    "book", "bookseries", "broadcastevent", "businessevent", "busorcoach", "car", "categorycodeset",
    "certification", "chapter", "checkoutpage", "childrensevent", "claim", "claimreview", "clip",
    "code", "collection", "collectionpage", "comedyevent", "comiccoverart", "comicissue", "comicseries",
    "comicstory", "comment", "completedatafeed", "conferenceevent", "contactpage", "conversation",
    "correctioncomment", "course", "courseinstance", "coverart", "creativework", "creativeworkseason",
    "creativeworkseries", "credential", "criticreview", "danceevent", "datacatalog", "datadownload",
    "datafeed", "dataset", "definedtermset", "deliveryevent", "diet", "dietarysupplement",
    "digitaldocument", "discussionforumposting", "drawing", "drug", "educationaloccupationalcredential",
    "educationevent", "emailmessage", "employerreview", "episode", "event", "eventseries",
    "exerciseplan", "exhibitionevent", "faqpage", "festival", "foodevent", "game", "guide", "hackathon",
    "healthtopiccontent", "howto", "howtodirection", "howtosection", "howtostep", "howtotip",
    "hypertoc", "hypertocentry", "imagegallery", "imageobject", "imageobjectsnapshot",
    "individualproduct", "itempage", "learningresource", "legislation", "legislationobject",
    "literaryevent", "liveblogposting", "manuscript", "map", "mathsolver", "mediagallery",
    "mediaobject", "mediareview", "mediareviewitem", "medicalscholarlyarticle", "medicalwebpage",
    "menu", "menusection", "message", "mobileapplication", "motorcycle", "motorizedbicycle", "movie",
    "movieclip", "movieseries", "musicalbum", "musiccomposition", "musicevent", "musicplaylist",
    "musicrecording", "musicrelease", "musicvideoobject", "newsarticle", "newspaper",
    "notedigitaldocument", "ondemandevent", "operatingsystem", "opinionnewsarticle", "painting",
    "performingartsevent", "periodical", "photograph", "play", "podcastepisode", "podcastseason",
    "podcastseries", "poster", "presentationdigitaldocument", "product", "productcollection",
    "productgroup", "productmodel", "profilepage", "publicationevent", "publicationissue",
    "publicationvolume", "qapage", "question", "quiz", "quotation", "radioclip", "radioepisode",
    "radioseason", "radioseries", "realestatelisting", "recipe", "recommendation", "report",
    "reportagenewsarticle", "review", "reviewnewsarticle", "runtimeplatform", "saleevent",
    "satiricalarticle", "scholarlyarticle", "screeningevent", "sculpture", "searchresultspage",
    "season", "sequentialart", "sheetmusic", "shortstory", "sitenavigationelement", "socialevent",
    "socialmediaposting", "softwareapplication", "softwaresourcecode", "someproducts",
    "specialannouncement", "sportsevent", "spreadsheetdigitaldocument", "statement", "syllabus",
    "table", "techarticle", "textdigitaldocument", "textobject", "theaterevent", "thesis", "tvclip",
    "tvepisode", "tvseason", "tvseries", "userblocks", "usercheckins", "usercomments", "userdownloads",
    "userinteraction", "userlikes", "userpagevisits", "userplays", "userplusones", "userreview",
    "usertweets", "vehicle", "videogallery", "videogame", "videogameclip", "videogameseries",
    "videoobject", "videoobjectsnapshot", "visualartsevent", "visualartwork", "webapplication",
    "webcontent", "webpage", "webpageelement", "website", "wpadblock", "wpfooter", "wpheader",
    "wpsidebar",
})

# MedicalOrganization and MedicalBusiness with all their subtypes.
MEDICAL_ORG_TYPES = frozenset({
    "communityhealth", "covidtestingfacility", "dentist", "dermatology", "diagnosticlab",
    "dietnutrition", "emergency", "geriatric", "gynecologic", "hospital", "individualphysician",
    "medicalbusiness", "medicalclinic", "medicalorganization", "midwifery", "nursing", "obstetric",
    "oncologic", "optician", "optometric", "otolaryngologic", "pediatric", "pharmacy", "physician",
    "physiciansoffice", "physiotherapy", "plasticsurgery", "podiatric", "primarycare", "psychiatric",
    "publichealth", "veterinarycare",
})
