// The portal's editions: Vietnamese at `/`, English under `/en`. The API names things in the
// edition's language (`lang`) and lists the edition's own articles (`language`).

export type Edition = "vi" | "en";

/** The edition an article (or a request) belongs to: English for `en` and `en-*`, else Vietnamese. */
export function editionOf(language: string | null | undefined): Edition {
  return language === "en" || language?.startsWith("en-") ? "en" : "vi";
}

/** Where an edition's pages start. */
export const homeOf = (edition: Edition): string => (edition === "en" ? "/en" : "/");

/** The words of the portal's frame and article pages, per edition. */
export const words = {
  vi: {
    siteName: "Tin tức newsroom",
    locale: "vi_VN",
    skip: "Bỏ qua đến nội dung",
    sections: "Chuyên mục",
    home: "Trang chủ",
    search: "Tìm kiếm",
    find: "Tìm",
    visits: "Thống kê truy cập",
    total: "Tổng số lượt truy cập",
    today: "Hôm nay",
    yesterday: "Hôm qua",
    thisWeek: "Tuần này",
    thisMonth: "Tháng này",
    online: "Đang trực tuyến",
    sitemap: "Sơ đồ trang",
    source: "Nguồn",
    topics: "Chủ đề",
    named: "Trong bài",
    namedLabel: "Sự kiện, nhân vật và tổ chức trong bài",
    related: "Tin liên quan",
    others: "Tin khác",
    latest: "Tin mới",
    popular: "Đọc nhiều",
    highlights: "Tiêu điểm",
    otherEdition: "English",
    /** A link to the edition in this language, written in it. */
    readThis: "Đọc bằng tiếng Việt",
  },
  en: {
    siteName: "newsroom News",
    locale: "en_GB",
    skip: "Skip to content",
    sections: "Sections",
    home: "Home",
    search: "Search",
    find: "Search",
    visits: "Visits",
    total: "Total visits",
    today: "Today",
    yesterday: "Yesterday",
    thisWeek: "This week",
    thisMonth: "This month",
    online: "Online now",
    sitemap: "Sitemap",
    source: "Source",
    topics: "Topics",
    named: "In this story",
    namedLabel: "Events, people and organizations in this story",
    related: "Related",
    others: "More news",
    latest: "Latest",
    popular: "Most read",
    highlights: "Highlights",
    otherEdition: "Tiếng Việt",
    readThis: "Read in English",
  },
} as const;

export type Words = (typeof words)[Edition];
