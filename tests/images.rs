//! Maps and handouts end to end, through the real binary over MCP: stored by content, every
//! size made and served as resources byte for byte, hostile files refused before anything is
//! written, EXIF orientation, transparency and GIFs, players seeing only what is shared,
//! grids and pins, the quota, and the `ttrpg image` command.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test, with its place

#[path = "e2e/client.rs"]
mod client;
#[path = "support/images.rs"]
mod images;

use base64::Engine as _;
use client::{
    Client, HttpServer, Scratch, array_of, connect_stdio, connect_stdio_with_env, embedding_env, str_of,
};
use image::{DynamicImage, GenericImageView, ImageFormat};
use rmcp::model::{ContentBlock, ReadResourceRequestParams, ResourceContents};
use serde_json::{Value, json};

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

async fn campaign(client: &Client, name: &str) -> String {
    let created = client.ok("campaign_create", json!({"name": name, "system": "dnd5e"})).await;
    str_of(&created, "/campaign/id").to_string()
}

/// The bytes and MIME type of a resource.
async fn read(client: &Client, uri: &str) -> (Vec<u8>, String) {
    let read = client.service.peer().read_resource(ReadResourceRequestParams::new(uri.to_string())).await;
    let read = read.unwrap_or_else(|err| panic!("reading {uri}: {err}"));
    match read.contents.into_iter().next() {
        Some(ResourceContents::BlobResourceContents { blob, mime_type, .. }) => {
            (base64::engine::general_purpose::STANDARD.decode(blob).unwrap(), mime_type.unwrap_or_default())
        }
        other => panic!("{uri} is not a blob: {other:?}"),
    }
}

/// How many image files the data folder holds (folders under images/ by hash).
fn stored_files(scratch: &Scratch) -> usize {
    let root = scratch.data_dir().join("images");
    let Ok(shards) = std::fs::read_dir(&root) else { return 0 };
    shards
        .filter_map(Result::ok)
        .map(|shard| std::fs::read_dir(shard.path()).map(|d| d.count()).unwrap_or(0))
        .sum()
}

fn rendition<'a>(image: &'a Value, size: &str) -> &'a Value {
    array_of(image, "/renditions")
        .iter()
        .find(|r| r["size"] == size)
        .unwrap_or_else(|| panic!("no {size} in {image:#}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_map_is_stored_once_in_every_size_and_read_back_byte_identical() {
    let scratch = Scratch::new();
    let gm = connect_stdio(&scratch).await;
    let first = campaign(&gm, "Phandelver").await;
    let second = campaign(&gm, "Strahd").await;
    let map = images::battle_map(3000, 2000, 70, 7);
    // A JPEG: a lossless PNG of this much grain is ~10 MB, slower to pass through stdio as base64.
    let png = images::jpeg(&map, 88);
    let hash = client::sha256_hex(&png);

    let added = gm
        .ok(
            "image_add",
            json!({"campaign_id": first, "data": b64(&png), "title": "Cragmaw Hideout", "kind": "map"}),
        )
        .await;
    assert_eq!(added["created"], true);
    assert_eq!(str_of(&added, "/image/hash"), hash, "the bytes' SHA-256 names the image");
    let id = str_of(&added, "/image/id").to_string();
    let again = gm
        .ok("image_add", json!({"campaign_id": first, "data": b64(&png), "title": "Copy", "kind": "map"}))
        .await;
    assert_eq!(again["created"], false, "the same file twice is one image: {again}");
    assert_eq!(str_of(&again, "/image/id"), id);
    assert!(str_of(&again, "/message").contains("already"), "and says so: {again}");
    let elsewhere = gm
        .ok(
            "image_add",
            json!({"campaign_id": second, "data": b64(&png), "title": "Same map", "kind": "map"}),
        )
        .await;
    assert_eq!(elsewhere["created"], true);
    assert_eq!(stored_files(&scratch), 1, "two campaigns, one stored file");

    // Every size: fits its box, keeps the aspect ratio, never grows, and is what it says.
    let image = &added["image"];
    for (size, bound) in [("thumbnail", 256), ("preview", 800), ("display", 1920)] {
        let r = rendition(image, size);
        let (bytes, mime) = read(&gm, str_of(r, "/uri")).await;
        assert_eq!(mime, "image/jpeg", "an opaque map's {size} is JPEG");
        assert_eq!(bytes.len() as i64, r["bytes"].as_i64().unwrap());
        assert_eq!(image::guess_format(&bytes).unwrap(), ImageFormat::Jpeg, "{size} bytes are JPEG");
        let decoded = images::decoded(&bytes, size);
        assert_eq!(decoded.width(), bound, "{size} width");
        assert_eq!(decoded.height(), (2000.0 * bound as f64 / 3000.0).round() as u32, "{size} height");
        assert_eq!(
            (decoded.width() as i64, decoded.height() as i64),
            (r["width"].as_i64().unwrap(), r["height"].as_i64().unwrap())
        );
    }
    let (original, mime) = read(&gm, &format!("ttrpg://images/{hash}/original")).await;
    assert_eq!(mime, "image/jpeg");
    assert!(original == png, "the original reads back byte-identical");

    // image_get: an image content item of the size asked for, plus the resource link.
    let got = gm.call("image_get", json!({"image_id": id, "size": "thumbnail"})).await;
    assert_ne!(got.is_error, Some(true), "{}", client::text_of(&got));
    let inline = got.content.iter().find_map(|c| match c {
        ContentBlock::Image(image) => Some(image.clone()),
        _ => None,
    });
    let inline = inline.expect("an image content item");
    assert_eq!(inline.mime_type, "image/jpeg");
    let (thumbnail, _) = read(&gm, &format!("ttrpg://images/{hash}/thumbnail")).await;
    assert!(base64::engine::general_purpose::STANDARD.decode(&inline.data).unwrap() == thumbnail);
    let link = got.content.iter().find_map(|c| match c {
        ContentBlock::ResourceLink(link) => Some(link.uri.clone()),
        _ => None,
    });
    assert_eq!(link.as_deref(), Some(format!("ttrpg://images/{hash}/thumbnail").as_str()));

    // Listed as resources, each file once.
    let listed = gm.service.peer().list_resources(None).await.unwrap();
    let uris: Vec<_> = listed.resources.iter().map(|r| r.uri.clone()).filter(|u| u.contains(&hash)).collect();
    assert_eq!(uris.len(), 4, "four sizes of one file: {uris:?}");

    // Removing it from one campaign keeps the file the other uses; from both deletes it.
    let removed = gm.ok("image_remove", json!({"image_id": id})).await;
    assert_eq!(removed["file_deleted"], false);
    assert_eq!(stored_files(&scratch), 1);
    let removed = gm.ok("image_remove", json!({"image_id": str_of(&elsewhere, "/image/id")})).await;
    assert_eq!(removed["file_deleted"], true);
    assert_eq!(stored_files(&scratch), 0);
    let gone = gm
        .service
        .peer()
        .read_resource(ReadResourceRequestParams::new(format!("ttrpg://images/{hash}/original")))
        .await;
    assert!(gone.is_err(), "a removed image is no resource");
    gm.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_and_damaged_images_are_refused_before_anything_is_written() {
    let scratch = Scratch::new();
    let gm = connect_stdio(&scratch).await;
    let campaign_id = campaign(&gm, "Hostile").await;
    let map = images::battle_map(1200, 900, 60, 3);
    let jpeg = images::jpeg(&map, 90);
    let png = images::encode(&DynamicImage::ImageRgb8(map), ImageFormat::Png);
    let bomb = images::png_bomb(20_000);
    assert!(bomb.len() < 2 << 20, "the bomb is small on disk: {} bytes", bomb.len());
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("a 20,000×20,000 PNG bomb", bomb, "20000×20000"),
        ("a truncated JPEG", images::cut(&jpeg, 0.6), "cut off"),
        ("a truncated PNG", images::cut(&png, 0.5), "image/png"),
        ("a PDF", b"%PDF-1.7\n1 0 obj << >> endobj\n".to_vec(), "PNG, JPEG, WebP or GIF"),
        ("a BMP", b"BM\x46\0\0\0\0\0\0\0\x36\0\0\0\x28\0\0\0".to_vec(), "PNG, JPEG, WebP or GIF"),
        ("nothing", Vec::new(), "empty"),
    ];
    for (what, bytes, expected) in cases {
        let message = gm
            .err(
                "image_add",
                json!({"campaign_id": campaign_id, "data": b64(&bytes), "title": what, "kind": "map"}),
            )
            .await;
        assert!(
            message.contains(expected),
            "{what}: the message should name the problem ({expected}): {message}"
        );
    }
    let message = gm
        .err(
            "image_add",
            json!({"campaign_id": campaign_id, "data": "not base64!", "title": "x", "kind": "map"}),
        )
        .await;
    assert!(message.contains("base64"), "{message}");
    let message = gm
        .err(
            "image_add",
            json!({"campaign_id": campaign_id, "path": "/etc/passwd", "title": "x", "kind": "map"}),
        )
        .await;
    assert!(message.contains("library folders"), "no file outside the library is read: {message}");
    let message = gm
        .err("image_add", json!({"campaign_id": "nope", "data": b64(&jpeg), "title": "x", "kind": "map"}))
        .await;
    assert!(message.contains("no campaign"), "{message}");
    let listed = gm.ok("image_list", json!({"campaign_id": campaign_id})).await;
    assert!(array_of(&listed, "/images").is_empty(), "nothing refused was recorded: {listed}");
    assert_eq!(stored_files(&scratch), 0, "and nothing was written");
    gm.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn orientation_transparency_and_gif_first_frames_are_kept() {
    let scratch = Scratch::new();
    let gm = connect_stdio(&scratch).await;
    let campaign_id = campaign(&gm, "Details").await;
    let add = |data: Vec<u8>, title: &str, kind: &str| json!({"campaign_id": campaign_id, "data": b64(&data), "title": title, "kind": kind});

    // A 400×200 photo whose EXIF says "turn it a quarter": shown 200×400, in every size.
    let mut wide = image::RgbImage::from_pixel(400, 200, image::Rgb([20, 120, 220]));
    for x in 0..40 {
        for y in 0..200 {
            wide.put_pixel(x, y, image::Rgb([250, 250, 20]));
        }
    }
    let rotated = images::with_exif_orientation(&images::jpeg(&wide, 92), 6);
    let added = gm.ok("image_add", add(rotated, "Portrait", "portrait")).await;
    assert_eq!((added["image"]["width"].as_i64(), added["image"]["height"].as_i64()), (Some(200), Some(400)));
    let (bytes, _) = read(&gm, str_of(rendition(&added["image"], "display"), "/uri")).await;
    let shown = images::decoded(&bytes, "display");
    assert_eq!(shown.dimensions(), (200, 400), "EXIF orientation applied");
    // Orientation 6 turns the left edge (yellow) to the top.
    let top = shown.get_pixel(100, 5).0;
    assert!(top[0] > 200 && top[1] > 200 && top[2] < 100, "the yellow band is on top after turning: {top:?}");

    // A token with a transparent background keeps its alpha (lossless WebP).
    let token = images::encode(&DynamicImage::ImageRgba8(images::token(512)), ImageFormat::Png);
    let added = gm.ok("image_add", add(token, "Goblin", "token")).await;
    let thumb = rendition(&added["image"], "thumbnail");
    assert_eq!(thumb["mime"], "image/webp");
    let (bytes, mime) = read(&gm, str_of(thumb, "/uri")).await;
    assert_eq!(mime, "image/webp");
    let decoded = images::decoded(&bytes, "token thumbnail");
    assert_eq!(decoded.dimensions(), (256, 256));
    assert_eq!(decoded.get_pixel(0, 0).0[3], 0, "the corner stays transparent");
    assert_eq!(decoded.get_pixel(128, 128).0, [180, 30, 30, 255], "the middle stays the token's red");

    // A GIF: its first frame.
    let gif = images::two_frame_gif(64, [200, 10, 10, 255], [10, 10, 200, 255]);
    let added = gm.ok("image_add", add(gif, "Flicker", "handout")).await;
    assert_eq!(added["image"]["mime"], "image/gif");
    let (bytes, _) = read(&gm, str_of(rendition(&added["image"], "preview"), "/uri")).await;
    let pixel = images::decoded(&bytes, "gif preview").get_pixel(32, 32).0;
    assert!(pixel[0] > 150 && pixel[2] < 60, "the first frame (red), not the second: {pixel:?}");
    gm.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn players_see_only_shared_images_and_maps_carry_grids_and_pins() {
    let scratch = Scratch::new();
    let (gm_token, _) = scratch.token("gina", false);
    let (player_token, _) = scratch.token("pat", false);
    // A pin may link a campaign note; adding one indexes it, which needs the embedding model.
    let env = embedding_env();
    let server_env: Vec<(&str, &str)> = match &env {
        Ok(env) => env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect(),
        Err(why) => {
            println!("SKIPPED: the pin linked to a note (note_add needs embeddings): {why}");
            Vec::new()
        }
    };
    let server = HttpServer::start_with_env(&scratch, &server_env).await;
    let gm = server.connect_as("gina", Some(&gm_token)).await;
    let player = server.connect_as("pat", Some(&player_token)).await;
    let campaign_id = campaign(&gm, "Shared table").await;
    gm.list_tools().await;
    gm.ok("campaign_invite", json!({"campaign_id": campaign_id, "user": "pat"})).await;
    let map =
        images::encode(&DynamicImage::ImageRgb8(images::battle_map(1400, 1000, 70, 11)), ImageFormat::Png);
    let handout = images::jpeg(&images::battle_map(600, 800, 100, 12), 90);
    let secret = gm
        .ok(
            "image_add",
            json!({"campaign_id": campaign_id, "data": b64(&map), "title": "Lair", "kind": "map"}),
        )
        .await;
    let shared = gm
        .ok(
            "image_add",
            json!({"campaign_id": campaign_id, "data": b64(&handout), "title": "Letter", "kind": "handout", "visibility": "players"}),
        )
        .await;
    let secret_id = str_of(&secret, "/image/id").to_string();

    let seen = player.ok("image_list", json!({"campaign_id": campaign_id})).await;
    let titles: Vec<_> = array_of(&seen, "/images").iter().map(|i| i["title"].clone()).collect();
    assert_eq!(titles, vec![json!("Letter")], "a player sees only what is shared");
    let refused = player.err("image_get", json!({"image_id": secret_id})).await;
    assert!(refused.starts_with("no image"), "a GM map is, to a player, no image at all: {refused}");
    let hash = str_of(&secret, "/image/hash");
    let read_secret = player
        .service
        .peer()
        .read_resource(ReadResourceRequestParams::new(format!("ttrpg://images/{hash}/display")))
        .await;
    assert!(read_secret.is_err(), "nor a resource: {read_secret:?}");
    let listed = player.service.peer().list_resources(None).await.unwrap();
    assert!(listed.resources.iter().all(|r| !r.uri.contains(hash)), "nor listed");
    let (letter, _) = read(&player, str_of(rendition(&shared["image"], "preview"), "/uri")).await;
    assert_eq!(images::decoded(&letter, "letter").dimensions(), (600, 800), "never upscaled");
    let forbidden = player
        .err(
            "image_add",
            json!({"campaign_id": campaign_id, "data": b64(&handout), "title": "Mine", "kind": "handout"}),
        )
        .await;
    assert!(forbidden.contains("GM"), "{forbidden}");

    // The GM sets a grid and pins, shares the map, and the player reads them back.
    let note_id = match env {
        Ok(_) => {
            let note = gm
                .ok("note_add", json!({"campaign_id": campaign_id, "kind": "location", "title": "Chest", "body": "Trapped."}))
                .await;
            Value::String(str_of(&note, "/note/id").to_string())
        }
        Err(_) => Value::Null,
    };
    let outside = gm
        .err("image_update", json!({"image_id": secret_id, "pins": [{"x": 5000, "y": 10, "label": "Far"}]}))
        .await;
    assert!(outside.contains("outside the map"), "{outside}");
    let bad_grid =
        gm.err("image_update", json!({"image_id": secret_id, "grid": {"cell_px": 0, "cell_feet": 5}})).await;
    assert!(bad_grid.contains("positive"), "{bad_grid}");
    gm.ok(
        "image_update",
        json!({
            "image_id": secret_id,
            "grid": {"cell_px": 70, "cell_feet": 5},
            "pins": [{"x": 350, "y": 210, "label": "Trapped chest", "note_id": note_id}, {"x": 0, "y": 0, "label": "Door"}],
            "visibility": "players",
        }),
    )
    .await;
    let got = player.call("image_get", json!({"image_id": secret_id, "size": "display"})).await;
    assert_ne!(got.is_error, Some(true), "{}", client::text_of(&got));
    let image = &got.structured_content.unwrap()["image"];
    assert_eq!(image["grid"], json!({"cell_px": 70.0, "cell_feet": 5.0, "offset_x": 0.0, "offset_y": 0.0}));
    assert_eq!(array_of(image, "/pins").len(), 2);
    assert_eq!(image["pins"][0]["note_id"], json!(note_id));
    gm.ok("image_update", json!({"image_id": secret_id, "clear_grid": true})).await;
    let after = gm.ok("image_get", json!({"image_id": secret_id})).await;
    assert!(after["image"]["grid"].is_null(), "{after}");
    server.kill().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_campaign_quota_refuses_images_past_it_and_keeps_nothing() {
    let scratch = Scratch::new();
    let gm = connect_stdio_with_env(&scratch, &[("TTRPG_IMAGE_QUOTA_MB", "1")]).await;
    let campaign_id = campaign(&gm, "Small").await;
    let small = images::jpeg(&images::battle_map(500, 400, 50, 1), 80);
    gm.ok(
        "image_add",
        json!({"campaign_id": campaign_id, "data": b64(&small), "title": "Small", "kind": "map"}),
    )
    .await;
    // Noise does not compress: a 1,200² PNG of it is over 1 MiB on its own.
    let mut noise = images::Noise::new(5);
    let loud =
        image::RgbImage::from_fn(1200, 1200, |_, _| image::Rgb([noise.byte(), noise.byte(), noise.byte()]));
    let big = images::encode(&DynamicImage::ImageRgb8(loud), ImageFormat::Png);
    let refused = gm
        .err(
            "image_add",
            json!({"campaign_id": campaign_id, "data": b64(&big), "title": "Big", "kind": "map"}),
        )
        .await;
    assert!(refused.contains("quota"), "{refused}");
    let listed = gm.ok("image_list", json!({"campaign_id": campaign_id})).await;
    assert_eq!(array_of(&listed, "/images").len(), 1);
    assert_eq!(stored_files(&scratch), 1, "the refused image left no file");
    gm.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_image_command_adds_lists_and_regenerates() {
    let scratch = Scratch::new();
    let created = scratch.cli(&["campaign", "create", "--name", "CLI", "--system", "dnd5e", "--json"]);
    let campaign_id = serde_json::from_str::<Value>(&created).unwrap()["id"].as_str().unwrap().to_string();
    let file = scratch.data_dir().join("../map.jpg");
    std::fs::write(&file, images::jpeg(&images::battle_map(2500, 1500, 70, 9), 90)).unwrap();
    let file = file.display().to_string();
    let out = scratch.cli(&["image", "add", &file, "--campaign", &campaign_id, "--title", "Keep", "--json"]);
    let image: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(rendition(&image, "display")["width"], 1920);
    let again = scratch.cli(&["image", "add", &file, "--campaign", &campaign_id, "--title", "Keep"]);
    assert!(again.contains("already"), "{again}");
    let listed: Value =
        serde_json::from_str(&scratch.cli(&["image", "list", "--campaign", &campaign_id, "--json"])).unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 1);
    // Regeneration makes the same sizes from the original.
    let display = scratch
        .data_dir()
        .join("images")
        .join(&image["hash"].as_str().unwrap()[..2])
        .join(image["hash"].as_str().unwrap())
        .join("display");
    std::fs::write(&display, b"damaged").unwrap();
    let out = scratch.cli(&["image", "regenerate"]);
    assert!(out.contains("1 image files"), "{out}");
    let bytes = std::fs::read(&display).unwrap();
    assert_eq!(images::decoded(&bytes, "regenerated display").dimensions(), (1920, 1152));
}
