//! The media library (issue 11) on both databases, and on the S3-compatible store when
//! `TEST_S3_BUCKET` is set (CI): images made here, uploaded, read back byte for byte.

use std::io::Cursor;

use actix_web::test::TestRequest;
use image::{DynamicImage, ImageDecoder, ImageReader, RgbImage, Rgba, RgbaImage};
use serde_json::{json, Value};

use crate::db_test;
use crate::helpers::{Resp, TestApp};

/// A photo-like gradient, `w` × `h`, as JPEG.
pub fn jpeg(w: u32, h: u32) -> Vec<u8> {
    let img = RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([(x * 255 / w) as u8, (y * 255 / h) as u8, 128])
    });
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85)
        .encode_image(&img)
        .expect("jpeg");
    out
}

/// The JPEG with an EXIF block after its SOI: orientation `orientation` and a GPS position.
pub fn with_exif(jpeg: &[u8], orientation: u16) -> Vec<u8> {
    // Big-endian TIFF: IFD0 at 8 with Orientation and the GPS IFD pointer; the GPS IFD at 38
    // with GPSLatitudeRef `N` and a latitude of 21/1.
    let mut tiff = b"MM\0\x2a\0\0\0\x08".to_vec();
    tiff.extend_from_slice(&2u16.to_be_bytes());
    tiff.extend_from_slice(&[0x01, 0x12, 0, 3, 0, 0, 0, 1]);
    tiff.extend_from_slice(&orientation.to_be_bytes());
    tiff.extend_from_slice(&[0, 0]);
    tiff.extend_from_slice(&[0x88, 0x25, 0, 4, 0, 0, 0, 1, 0, 0, 0, 38]);
    tiff.extend_from_slice(&[0, 0, 0, 0]);
    tiff.extend_from_slice(&2u16.to_be_bytes());
    tiff.extend_from_slice(&[0, 1, 0, 2, 0, 0, 0, 2, b'N', 0, 0, 0]);
    tiff.extend_from_slice(&[0, 2, 0, 5, 0, 0, 0, 1, 0, 0, 0, 68]);
    tiff.extend_from_slice(&[0, 0, 0, 0]);
    tiff.extend_from_slice(&[0, 0, 0, 21, 0, 0, 0, 1]);
    let mut app1 = b"Exif\0\0".to_vec();
    app1.extend(tiff);
    let mut out = jpeg[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&((app1.len() + 2) as u16).to_be_bytes());
    out.extend(app1);
    out.extend_from_slice(&jpeg[2..]);
    out
}

/// A graphic with transparency, as PNG.
pub fn png(w: u32, h: u32) -> Vec<u8> {
    let img = RgbaImage::from_fn(w, h, |x, _| Rgba([200, 30, 30, (x % 256) as u8]));
    let mut out = Vec::new();
    DynamicImage::ImageRgba8(img)
        .write_to(&mut Cursor::new(&mut out), image::ImageFormat::Png)
        .expect("png");
    out
}

/// Two frames, as an animated GIF.
fn gif() -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut encoder = image::codecs::gif::GifEncoder::new(&mut out);
        encoder
            .set_repeat(image::codecs::gif::Repeat::Infinite)
            .expect("repeat");
        for colour in [[255, 0, 0, 255], [0, 0, 255, 255]] {
            let frame = image::Frame::new(RgbaImage::from_pixel(400, 300, Rgba(colour)));
            encoder.encode_frame(frame).expect("frame");
        }
    }
    out
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for b in bytes {
        crc ^= u32::from(*b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A PNG whose header says 10,000 × 6,000 (60 megapixels) and nothing else is there.
fn png_bomb() -> Vec<u8> {
    png_header(10_000, 6_000, 8, 2)
}

/// The signature and IHDR of a PNG: size, bit depth, colour type (2 RGB, 6 RGBA).
fn png_header(width: u32, height: u32, depth: u8, color: u8) -> Vec<u8> {
    let mut ihdr = b"IHDR".to_vec();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[depth, color, 0, 0, 0]);
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    out.extend_from_slice(&13u32.to_be_bytes());
    out.extend_from_slice(&ihdr);
    out.extend_from_slice(&crc32(&ihdr).to_be_bytes());
    out
}

/// A 16-bit RGBA PNG of 7000 × 7000 (49 megapixels, under the pixel cap) with the start of its
/// pixel data: 392 MB decoded, whatever the file's size (the hostile test's was 381 KB).
fn deep_png() -> Vec<u8> {
    let mut out = png_header(7_000, 7_000, 16, 6);
    let mut idat = b"IDAT".to_vec();
    idat.extend_from_slice(&[0x78, 0x9c, 0x63, 0x00, 0x00]);
    out.extend_from_slice(&((idat.len() - 4) as u32).to_be_bytes());
    out.extend_from_slice(&idat);
    out.extend_from_slice(&crc32(&idat).to_be_bytes());
    let iend = b"IEND".to_vec();
    out.extend_from_slice(&0u32.to_be_bytes());
    out.extend_from_slice(&iend);
    out.extend_from_slice(&crc32(&iend).to_be_bytes());
    out
}

async fn upload(app: &TestApp, token: &str, content_type: &str, bytes: Vec<u8>) -> Resp {
    app.with_token(
        token,
        TestRequest::post()
            .uri("/api/v1/media")
            .insert_header(("Content-Type", content_type))
            .set_payload(bytes),
    )
    .await
}

async fn fetch(app: &TestApp, url: &str, headers: &[(&str, &str)]) -> Resp {
    let mut req = TestRequest::get().uri(url);
    for (name, value) in headers {
        req = req.insert_header((*name, *value));
    }
    app.request(req).await
}

fn decoded(bytes: &[u8]) -> (DynamicImage, image::metadata::Orientation) {
    let mut decoder = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .expect("format")
        .into_decoder()
        .expect("decoder");
    let orientation = decoder.orientation().expect("orientation");
    (
        DynamicImage::from_decoder(decoder).expect("decodes"),
        orientation,
    )
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

db_test!(
    a_photo_is_served_upright_without_metadata_in_every_size,
    |app| {
        let writer = app.writer();
        let original = with_exif(&jpeg(1400, 700), 6);
        assert!(contains(&original, b"Exif\0\0"));
        let res = upload(&app, &writer, "image/jpeg", original.clone()).await;
        assert_eq!(res.status, 201, "{}", res.text());
        let id = res.json()["data"]["id"].as_i64().expect("id");
        assert_eq!(res.location(), format!("/api/v1/media/{id}"));
        let item = res.json()["data"].clone();
        // Orientation 6 turns 1400 × 700 upright.
        assert_eq!(
            (item["width"].as_i64(), item["height"].as_i64()),
            (Some(700), Some(1400))
        );
        assert_eq!(item["content_type"], "image/jpeg");
        assert_eq!(item["bytes"].as_u64(), Some(original.len() as u64));
        assert_eq!(item["sha256"].as_str().map(str::len), Some(64));
        assert!(item["placeholder"]["color"]
            .as_str()
            .is_some_and(|c| c.len() == 7));
        assert!(item["placeholder"]["blurhash"]
            .as_str()
            .is_some_and(|b| !b.is_empty()));
        assert_eq!(item["version"], 1);

        let src = item["src"].as_str().expect("src").to_owned();
        let served = fetch(&app, &src, &[]).await;
        assert_eq!(served.status, 200);
        assert_eq!(served.header("content-type"), Some("image/jpeg"));
        assert_eq!(
            served.header("cache-control"),
            Some("public, max-age=31536000, immutable")
        );
        assert_eq!(served.header("x-content-type-options"), Some("nosniff"));
        assert!(
            !contains(&served.body, b"Exif"),
            "EXIF is out of the original"
        );
        let (image, orientation) = decoded(&served.body);
        assert_eq!((image.width(), image.height()), (700, 1400));
        assert_eq!(orientation, image::metadata::Orientation::NoTransforms);

        let variants = item["variants"].as_array().expect("variants").clone();
        let sizes: Vec<(u64, &str)> = variants
            .iter()
            .map(|v| {
                (
                    v["width"].as_u64().unwrap_or(0),
                    v["content_type"].as_str().unwrap_or(""),
                )
            })
            .collect();
        assert_eq!(
            sizes,
            [
                (320, "image/webp"),
                (320, "image/jpeg"),
                (640, "image/webp"),
                (640, "image/jpeg")
            ],
            "never wider than the original"
        );
        // Asked for before any worker ran: made on this request, once.
        for variant in &variants {
            let url = variant["url"].as_str().expect("url");
            let served = fetch(&app, url, &[]).await;
            assert_eq!(served.status, 200, "{url}");
            assert_eq!(
                served.header("content-type"),
                variant["content_type"].as_str()
            );
            assert!(!contains(&served.body, b"Exif"));
            let (image, _) = decoded(&served.body);
            assert_eq!(
                u64::from(image.width()),
                variant["width"].as_u64().unwrap_or(0)
            );
            assert_eq!(
                u64::from(image.height()),
                variant["height"].as_u64().unwrap_or(0)
            );
        }
        let item = app
            .with_token(
                &writer,
                TestRequest::get().uri(&format!("/api/v1/media/{id}")),
            )
            .await
            .json();
        assert_eq!(item["data"]["variants_ready"], true);

        // Ranges, validators.
        let len = served_len(&app, &src).await;
        let part = fetch(&app, &src, &[("Range", "bytes=0-99")]).await;
        assert_eq!(part.status, 206);
        assert_eq!(part.body.len(), 100);
        assert_eq!(
            part.header("content-range"),
            Some(format!("bytes 0-99/{len}").as_str())
        );
        let tail = fetch(&app, &src, &[("Range", "bytes=-10")]).await;
        assert_eq!(tail.status, 206);
        assert_eq!(tail.body.len(), 10);
        let whole = fetch(&app, &src, &[]).await;
        assert_eq!(tail.body, whole.body[whole.body.len() - 10..]);
        let past = fetch(&app, &src, &[("Range", &format!("bytes={len}-"))]).await;
        assert_eq!(past.status, 416);
        assert_eq!(
            past.header("content-range"),
            Some(format!("bytes */{len}").as_str())
        );
        let etag = whole.header("etag").expect("etag").to_owned();
        // If-Range: the range applies only when it names this file's ETag (strongly).
        let same = fetch(&app, &src, &[("Range", "bytes=0-99"), ("If-Range", &etag)]).await;
        assert_eq!(same.status, 206);
        for other in [
            "\"another\"".to_owned(),
            format!("W/{etag}"),
            "Wed, 21 Oct 2015 07:28:00 GMT".into(),
        ] {
            let full = fetch(&app, &src, &[("Range", "bytes=0-99"), ("If-Range", &other)]).await;
            assert_eq!(full.status, 200, "If-Range {other}");
            assert_eq!(full.body, whole.body, "If-Range {other}");
        }
        for given in [
            etag.clone(),
            format!("W/{etag}"),
            format!("\"x\", {etag}"),
            "*".into(),
        ] {
            assert_eq!(
                fetch(&app, &src, &[("If-None-Match", &given)]).await.status,
                304,
                "{given}"
            );
        }
        assert_eq!(
            fetch(&app, &src, &[("If-None-Match", "\"x\"")])
                .await
                .status,
            200
        );

        // The same bytes again: the same item.
        let again = upload(&app, &writer, "image/jpeg", original).await;
        assert_eq!(again.status, 200);
        assert_eq!(again.json()["data"]["id"].as_i64(), Some(id));
        assert_eq!(
            fetch(&app, "/media/00000000000000000000000000000000.jpg", &[])
                .await
                .status,
            404
        );
        assert_eq!(fetch(&app, "/media/x.svg", &[]).await.status, 404);
    }
);

async fn served_len(app: &TestApp, url: &str) -> usize {
    fetch(app, url, &[]).await.body.len()
}

db_test!(uploads_are_judged_by_their_bytes_and_bounded, |app| {
    let writer = app.writer();
    let svg = b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>".to_vec();
    let res = upload(&app, &writer, "image/svg+xml", svg).await;
    assert_eq!(res.status, 415, "{}", res.text());
    assert_eq!(res.header("content-type"), Some("application/problem+json"));
    let html = b"<!DOCTYPE html><html><body>not a photo</body></html>".to_vec();
    assert_eq!(upload(&app, &writer, "image/jpeg", html).await.status, 415);
    assert_eq!(
        upload(&app, &writer, "text/plain", jpeg(10, 10))
            .await
            .status,
        415
    );
    let photo = jpeg(300, 200);
    let truncated = photo[..photo.len() / 2].to_vec();
    let res = upload(&app, &writer, "image/jpeg", truncated).await;
    assert_eq!(res.status, 422, "{}", res.text());
    let res = upload(&app, &writer, "image/png", png_bomb()).await;
    assert_eq!(res.status, 422, "{}", res.text());
    assert!(res.text().contains("10000 × 6000"), "{}", res.text());
    let res = upload(
        &app,
        &writer,
        "image/jpeg",
        vec![0xFF; 20 * 1024 * 1024 + 1],
    )
    .await;
    assert_eq!(res.status, 413);
    assert_eq!(
        upload(&app, "", "image/jpeg", jpeg(10, 10)).await.status,
        401
    );
    let reader = app.token("Độc giả", &["content:preview"]);
    assert_eq!(
        upload(&app, &reader, "image/jpeg", jpeg(10, 10))
            .await
            .status,
        403
    );
    let list = app
        .with_token(&writer, TestRequest::get().uri("/api/v1/media"))
        .await
        .json();
    assert_eq!(list["meta"]["total"], 0, "nothing refused was kept");
});

fn form(boundary: &str, file: &[u8], texts: &[(&str, &str)]) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, value) in texts {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"anh.png\"\r\nContent-Type: image/png\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    body
}

db_test!(a_form_upload_carries_texts_that_editors_then_edit, |app| {
    let writer = app.writer();
    let boundary = "ranh-gioi-7MA4YWxkTrZu0gW";
    let body = form(
        boundary,
        &png(700, 400),
        &[
            ("alt", "Biểu đồ an ninh mạng"),
            ("caption", "Số vụ tấn công mạng theo tháng"),
            ("credit", "TTXVN"),
        ],
    );
    let res = upload(
        &app,
        &writer,
        &format!("multipart/form-data; boundary={boundary}"),
        body,
    )
    .await;
    assert_eq!(res.status, 201, "{}", res.text());
    let item = res.json()["data"].clone();
    assert_eq!(item["alt"], "Biểu đồ an ninh mạng");
    assert_eq!(item["credit"], "TTXVN");
    assert_eq!(item["content_type"], "image/png");
    let kinds: Vec<&str> = item["variants"]
        .as_array()
        .expect("variants")
        .iter()
        .filter_map(|v| v["content_type"].as_str())
        .collect();
    assert_eq!(
        kinds,
        ["image/webp", "image/png", "image/webp", "image/png"],
        "a graphic stays PNG"
    );
    let id = item["id"].as_i64().expect("id");
    let uri = format!("/api/v1/media/{id}");

    let found = app
        .with_token(
            &writer,
            TestRequest::get().uri("/api/v1/media?q=tan%20cong%20mang"),
        )
        .await
        .json();
    assert_eq!(found["meta"]["total"], 1);
    let none = app
        .with_token(&writer, TestRequest::get().uri("/api/v1/media?q=bong%20da"))
        .await
        .json();
    assert_eq!(none["meta"]["total"], 0);

    let patch = |if_match: Option<&str>, body: Value| {
        let mut req = TestRequest::patch()
            .uri(&uri)
            .insert_header(("Content-Type", "application/merge-patch+json"))
            .set_payload(body.to_string());
        if let Some(tag) = if_match {
            req = req.insert_header(("If-Match", tag.to_owned()));
        }
        req
    };
    assert_eq!(
        app.with_token(&writer, patch(None, json!({"credit": "VNA"})))
            .await
            .status,
        428
    );
    assert_eq!(
        app.with_token(&writer, patch(Some("\"7\""), json!({"credit": "VNA"})))
            .await
            .status,
        412
    );
    let res = app
        .with_token(&writer, patch(Some("\"1\""), json!({"credit": "VNA"})))
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    let edited = res.json()["data"].clone();
    assert_eq!(edited["credit"], "VNA");
    assert_eq!(
        edited["alt"], "Biểu đồ an ninh mạng",
        "a merge keeps the rest"
    );
    assert_eq!(edited["version"], 2);
    let res = app
        .with_token(&writer, patch(Some("\"2\""), json!({"width": 1})))
        .await;
    assert_eq!(res.status, 422, "read-only");
    for unknown in [
        json!({"": null}),
        json!({"nonsense": null}),
        json!({"nonsense": "x"}),
    ] {
        app.with_token(&writer, patch(Some("\"2\""), unknown.clone()))
            .await
            .problem(400, "invalid-body");
    }
    // PUT replaces: the item as read, with one text changed, is accepted.
    let mut whole = edited.clone();
    whole["caption"] = json!("Tấn công mạng năm 2022");
    let res = app
        .with_token(
            &writer,
            TestRequest::put()
                .uri(&uri)
                .insert_header(("If-Match", "\"2\""))
                .insert_header(("Content-Type", "application/json"))
                .set_payload(whole.to_string()),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    assert_eq!(res.json()["data"]["caption"], "Tấn công mạng năm 2022");
    let long = "x".repeat(501);
    let res = app
        .with_token(&writer, patch(Some("\"3\""), json!({"alt": long})))
        .await;
    assert_eq!(res.status, 422);
});

db_test!(
    an_animated_gif_gives_still_variants_and_its_loop_survives,
    |app| {
        let writer = app.writer();
        let original = gif();
        let res = upload(&app, &writer, "image/gif", original).await;
        assert_eq!(res.status, 201, "{}", res.text());
        let item = res.json()["data"].clone();
        let served = fetch(&app, item["src"].as_str().expect("src"), &[]).await;
        assert_eq!(served.header("content-type"), Some("image/gif"));
        assert!(contains(&served.body, b"NETSCAPE2.0"), "the loop is kept");
        let id = item["id"].as_i64().expect("id");
        assert!(
            newsroom::media::make_variants(&app.media, &app.pool, &app.clock, id)
                .await
                .expect("variants")
        );
        assert!(
            !newsroom::media::make_variants(&app.media, &app.pool, &app.clock, id)
                .await
                .expect("variants"),
            "made once"
        );
        let small = &item["variants"][1];
        assert_eq!(small["content_type"], "image/png");
        let served = fetch(&app, small["url"].as_str().expect("url"), &[]).await;
        let (image, _) = decoded(&served.body);
        assert_eq!((image.width(), image.height()), (320, 240));
    }
);

async fn purge(app: &TestApp, id: i64, token: &str) -> Resp {
    app.with_token(
        token,
        TestRequest::post()
            .uri(&format!("/api/v1/media/{id}/purge"))
            .insert_header(("Content-Type", "application/json"))
            .set_payload(json!({"reason": "Yêu cầu gỡ bỏ"}).to_string()),
    )
    .await
}

db_test!(a_purge_removes_every_file_and_leaves_a_record, |app| {
    let writer = app.writer();
    let res = upload(&app, &writer, "image/jpeg", jpeg(800, 600)).await;
    let item = res.json()["data"].clone();
    let id = item["id"].as_i64().expect("id");
    let variant = item["variants"][0]["url"].as_str().expect("url").to_owned();
    assert_eq!(fetch(&app, &variant, &[]).await.status, 200);
    assert_eq!(purge(&app, id, &writer).await.status, 403, "admin only");
    let admin = app.token("Quản trị", &["admin"]);
    let res = purge(&app, id, &admin).await;
    assert_eq!(res.status, 200, "{}", res.text());
    let record = res.json()["data"].clone();
    assert_eq!(record["purged_by"], "Quản trị");
    assert_eq!(record["reason"], "Yêu cầu gỡ bỏ");
    assert_eq!(record["files_removed"], 5);
    for url in [item["src"].as_str().expect("src"), &variant] {
        assert_eq!(fetch(&app, url, &[]).await.status, 404, "{url}");
    }
    let gone = app
        .with_token(
            &writer,
            TestRequest::get().uri(&format!("/api/v1/media/{id}")),
        )
        .await;
    assert_eq!(gone.status, 410);
    assert_eq!(purge(&app, id, &admin).await.status, 410);
});

db_test!(a_purge_is_a_change_and_its_bytes_never_come_back, |app| {
    let writer = app.writer();
    let admin = app.token("Quản trị", &["admin"]);
    let bytes = jpeg(320, 200);
    let item = uploaded(&app, &writer, bytes.clone()).await;
    let id = item["id"].as_i64().expect("id");
    let src = item["src"].as_str().expect("src").to_owned();
    let embedding = app
        .create_article(
            &writer,
            &article_with(
                "Bài có ảnh sẽ bị gỡ",
                json!([{"type": "image", "media": id, "caption": "Ảnh bị gỡ theo yêu cầu."}]),
            ),
        )
        .await;
    assert_eq!(embedding.status, 201, "{}", embedding.text());
    let location = embedding.location();
    let res = purge(&app, id, &admin).await;
    assert_eq!(res.status, 200, "{}", res.text());

    // Logged and announced like any change.
    let feed = app
        .with_token(
            &writer,
            TestRequest::get().uri("/api/v1/changes?type=media"),
        )
        .await;
    let last = feed.json()["data"]
        .as_array()
        .expect("changes")
        .last()
        .cloned();
    assert_eq!(
        last.as_ref().map(|c| c["action"].clone()),
        Some(json!("purged")),
        "{}",
        feed.text()
    );
    #[derive(diesel::QueryableByName)]
    struct Event {
        #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
        event: Option<String>,
    }
    let logged: Vec<Event> = diesel::RunQueryDsl::load(
        diesel::sql_query("SELECT event FROM change_log ORDER BY seq DESC LIMIT 1"),
        &mut **app.conn(),
    )
    .expect("log");
    assert_eq!(logged[0].event.as_deref(), Some("media.purged"));

    // The same bytes again: refused before anything is stored; the old URL stays dead.
    let again = upload(&app, &writer, "image/jpeg", bytes).await;
    let problem = again.problem(409, "conflict");
    assert!(
        problem["detail"]
            .as_str()
            .expect("detail")
            .contains("purged"),
        "{problem}"
    );
    assert_eq!(fetch(&app, &src, &[]).await.status, 404, "{src}");

    // The article that embeds it stays editable, and shows the caption without the image.
    let edited = app
        .with_token(
            &writer,
            crate::helpers::kit::patch(&location, "\"1\"", &json!({"lead": "Chỉ sửa sapo."})),
        )
        .await;
    assert_eq!(edited.status, 200, "{}", edited.text());
    assert!(!edited.text().contains(&src), "{}", edited.text());
    // No other article can take the purged image.
    let other = app
        .create_article(
            &writer,
            &article_with("Bài khác", json!([{"type": "image", "media": id}])),
        )
        .await;
    other.problem(422, "validation");
});

async fn uploaded(app: &TestApp, token: &str, bytes: Vec<u8>) -> Value {
    let res = upload(app, token, "image/jpeg", bytes).await;
    assert_eq!(res.status, 201, "{}", res.text());
    res.json()["data"].clone()
}

fn article_with(title: &str, blocks: Value) -> Value {
    crate::helpers::fixtures::with(
        crate::helpers::fixtures::article(title),
        json!({"body": blocks, "tags": [], "events": [], "people": [], "organizations": []}),
    )
}

db_test!(articles_show_library_images_as_pictures, |app| {
    let writer = app.writer();
    let first = uploaded(&app, &writer, jpeg(2000, 1000)).await;
    let second = uploaded(&app, &writer, jpeg(900, 600)).await;
    let (a, b) = (
        first["id"].as_i64().unwrap_or(0),
        second["id"].as_i64().unwrap_or(0),
    );
    let body = article_with(
        "Khai mạc Hội nghị AMCC7",
        json!([
            {"type": "image", "media": a, "caption": "Lễ khai mạc <AMCC7>", "alt": "Toàn cảnh"},
            {"type": "paragraph", "text": "Hội nghị diễn ra tại Singapore."},
            {"type": "image", "media": b, "caption": "Đoàn Việt Nam"},
            {"type": "image", "src": "https://example.vn/anh.jpg", "caption": "Ảnh ngoài"},
        ]),
    );
    let location = app.published_article(&writer, body).await;
    let article = app.get_ok(&format!("{location}?formats=html")).await["data"].clone();
    let image = &article["body"][0];
    assert_eq!(image["media"].as_i64(), Some(a));
    assert_eq!(
        (image["width"].as_u64(), image["height"].as_u64()),
        (Some(2000), Some(1000))
    );
    assert!(
        image["src"]
            .as_str()
            .is_some_and(|s| s.ends_with("-1024.jpg")),
        "{image}"
    );
    assert_eq!(
        image["srcset"]
            .as_str()
            .map(|s| s.matches("w,").count() + 1),
        Some(5),
        "320, 640, 1024, 1600 and the original"
    );
    assert_eq!(image["sources"][0]["type"], "image/webp");
    assert!(image["placeholder"]["blurhash"].as_str().is_some());
    assert_eq!(
        article["cover"]["media"].as_i64(),
        Some(a),
        "the cover is the first image"
    );
    let html = article["body_html"].as_str().expect("html");
    assert!(
        html.contains("<picture><source type=\"image/webp\" srcset=\""),
        "{html}"
    );
    assert!(html.contains("width=\"2000\" height=\"1000\""));
    assert!(html.contains("Lễ khai mạc &lt;AMCC7&gt;"));
    assert_eq!(
        html.matches("loading=\"lazy\"").count(),
        2,
        "every image after the first"
    );
    let first_img = html.split("<img").nth(1).unwrap_or_default();
    assert!(!first_img
        .split('>')
        .next()
        .unwrap_or_default()
        .contains("lazy"));

    // The item is in use: deleting it is a 409; a body naming a missing or deleted item, 422.
    let delete = |id: i64, version: &str| {
        TestRequest::delete()
            .uri(&format!("/api/v1/media/{id}"))
            .insert_header(("If-Match", version.to_owned()))
    };
    let res = app.with_token(&writer, delete(a, "\"1\"")).await;
    assert_eq!(res.status, 409, "{}", res.text());
    let unused = uploaded(&app, &writer, jpeg(500, 500)).await;
    let c = unused["id"].as_i64().unwrap_or(0);
    assert_eq!(
        app.with_token(&writer, delete(c, "\"1\"")).await.status,
        204
    );
    for missing in [c, 999_999] {
        let res = app
            .create_article(
                &writer,
                &article_with("Ảnh đã xóa", json!([{"type": "image", "media": missing}])),
            )
            .await;
        assert_eq!(res.status, 422, "{}", res.text());
        assert!(res.text().contains("/body/0/media"));
    }
    // What a GET returned can be sent back as it is.
    let editorial = app
        .with_token(&writer, TestRequest::get().uri(&location))
        .await;
    let version = editorial.header("etag").expect("etag").to_owned();
    let res = app
        .with_token(
            &writer,
            TestRequest::put()
                .uri(&location)
                .insert_header(("If-Match", version))
                .insert_header(("Content-Type", "application/json"))
                .set_payload(editorial.json()["data"].to_string()),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    // Once the article is deleted, the item may go.
    let version = res.header("etag").expect("etag").to_owned();
    let res = app
        .with_token(
            &writer,
            TestRequest::delete()
                .uri(&location)
                .insert_header(("If-Match", version)),
        )
        .await;
    assert!(res.status.is_success(), "{}", res.text());
    assert_eq!(
        app.with_token(&writer, delete(a, "\"1\"")).await.status,
        204
    );
});

// An article naming an item and the item's deletion, at the same moment, many times: never
// an article that is not deleted naming a deleted item (on PostgreSQL they really race).
db_test!(
    an_article_write_and_the_deletion_of_its_image_never_both_win,
    |app| {
        let writer = app.writer();
        for round in 0..12 {
            let item = uploaded(&app, &writer, jpeg(64 + round, 64)).await;
            let id = item["id"].as_i64().unwrap_or(0);
            let body = article_with(
                &format!("Bài {round}"),
                json!([{"type": "image", "media": id}]),
            );
            let create = app.create_article(&writer, &body);
            let delete = app.with_token(
                &writer,
                TestRequest::delete()
                    .uri(&format!("/api/v1/media/{id}"))
                    .insert_header(("If-Match", "\"1\"")),
            );
            let (created, deleted) = futures_util::future::join(create, delete).await;
            let both = created.status == 201 && deleted.status == 204;
            assert!(!both, "round {round}: both won");
            assert!(
                created.status == 201 || created.status == 422,
                "{}",
                created.text()
            );
            assert!(
                deleted.status == 204 || deleted.status == 409,
                "{}",
                deleted.text()
            );
        }
    }
);

// Finding 9 of the third hostile test: an image block without its own alt text showed the
// caption as `alt`; readers now get the media item's alt (the block as written stays with
// editors), author avatars carry theirs, and editing the item's alt shows on those pages at
// once, cached or not.
db_test!(a_media_items_alt_text_reaches_readers, |app| {
    let writer = app.writer();
    let item = uploaded(&app, &writer, jpeg(900, 600)).await;
    let id = item["id"].as_i64().expect("id");
    let media_uri = format!("/api/v1/media/{id}");
    let set_alt = |version: &'static str, alt: &'static str| {
        let mut req = TestRequest::patch()
            .uri(&media_uri)
            .insert_header(("If-Match", version))
            .set_json(json!({ "alt": alt }));
        req = req.insert_header(("Content-Type", "application/merge-patch+json"));
        req
    };
    let res = app
        .with_token(&writer, set_alt("\"1\"", "Đoàn Việt Nam tại lễ khai mạc"))
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    let body = article_with(
        "Ảnh có mô tả",
        json!([
            {"type": "image", "media": id, "caption": "Lễ khai mạc Hội nghị AMCC7"},
            {"type": "image", "media": id, "caption": "Ảnh thứ hai", "alt": "Mô tả riêng"},
        ]),
    );
    let location = app.published_article(&writer, body).await;
    let author = app
        .create(
            &writer,
            "/api/v1/authors",
            &json!({"name": "Phóng viên có ảnh", "avatar": id}),
        )
        .await;
    assert_eq!(author.status, 201, "{}", author.text());
    let author_uri = author.header("location").expect("location").to_owned();

    let shown = app.get_ok(&format!("{location}?formats=html")).await["data"].clone();
    assert_eq!(shown["body"][0]["alt"], "Đoàn Việt Nam tại lễ khai mạc");
    assert_eq!(
        shown["body"][1]["alt"], "Mô tả riêng",
        "the block's own alt wins"
    );
    let html = shown["body_html"].as_str().expect("html");
    assert!(
        html.contains("alt=\"Đoàn Việt Nam tại lễ khai mạc\""),
        "{html}"
    );
    assert!(
        !html.contains("alt=\"Lễ khai mạc"),
        "never the caption: {html}"
    );
    assert_eq!(
        app.get_ok(&author_uri).await["data"]["avatar"]["alt"],
        "Đoàn Việt Nam tại lễ khai mạc"
    );
    // Editors get the block as written: sent back, it does not freeze the item's alt.
    let editorial = app
        .with_token(&writer, TestRequest::get().uri(&location))
        .await
        .json();
    assert!(
        editorial["data"]["body"][0].get("alt").is_none(),
        "{editorial}"
    );

    // Both pages are cached now; editing the item's alt shows on them at once.
    let res = app
        .with_token(&writer, set_alt("\"2\"", "Toàn cảnh hội trường"))
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    let shown = app.get_ok(&format!("{location}?formats=html")).await["data"].clone();
    assert_eq!(shown["body"][0]["alt"], "Toàn cảnh hội trường");
    assert_eq!(
        app.get_ok(&author_uri).await["data"]["avatar"]["alt"],
        "Toàn cảnh hội trường"
    );
});

// Finding 3 of the third hostile test: a 16-bit RGBA PNG of 7000 x 7000 passed the pixel cap
// and took about 450 MB to decode. Decoding is bounded by bytes (pixels x channels x depth):
// past NEWSROOM_MEDIA_MAX_DECODE_BYTES (256 MiB) it is a 422 before anything is decoded, and
// nothing is kept. (`bench/decode.sh` measures the peak with eight in flight.)
db_test!(uploads_are_bounded_by_the_memory_they_take_decoded, |app| {
    let writer = app.writer();
    let res = upload(&app, &writer, "image/png", deep_png()).await;
    let problem = res.problem(422, "validation");
    let detail = problem["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(
        detail.contains("7000 × 7000") && detail.contains("392000000 bytes"),
        "{problem}"
    );
    // The same size in 8-bit RGB (147 MB decoded) is under the memory cap: it gets past the
    // check and stops only where its pixel data is missing.
    let res = upload(&app, &writer, "image/png", {
        let mut shallow = deep_png();
        shallow[24] = 8;
        shallow[25] = 2;
        let crc = crc32(&shallow[12..29]);
        shallow[29..33].copy_from_slice(&crc.to_be_bytes());
        shallow
    })
    .await;
    let problem = res.problem(422, "validation");
    let detail = problem["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(detail.contains("cannot be read"), "{problem}");
    let list = app
        .with_token(&writer, TestRequest::get().uri("/api/v1/media"))
        .await
        .json();
    assert_eq!(list["meta"]["total"], 0, "nothing refused was kept");
});
