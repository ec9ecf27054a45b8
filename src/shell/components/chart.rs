//! The chart components and the browser download helpers.
//!
//! [`Chart`] shows a [`ChartSpec`] as the SVG that [`chart::render_svg`] writes, with a
//! toolbar (log x / log y toggles where the data allow them, SVG and PNG downloads) and a
//! tooltip that follows the mouse through [`chart::nearest`]. [`HeatmapView`] does the same
//! for a [`Heatmap`], with per-cell `<title>` tooltips instead of a hover layer.
//!
//! The SVG has a fixed logical size ([`chart::WIDTH`] x [`chart::HEIGHT`]) and CSS
//! (`static/chart.css`) scales it to the container's width; mouse positions are mapped
//! back to that logical frame, so drawing and hit-testing share one layout.
//!
//! [`download_bytes`], [`download_text`] and [`download_svg_as_png`] save files from the
//! page (object URL + a clicked `<a download>`); they return errors as text and never panic.

use js_sys::{Array, Promise, Uint8Array};
use leptos::html::Div;
use leptos::prelude::*;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    Blob, BlobPropertyBag, CanvasRenderingContext2d, Document, HtmlAnchorElement,
    HtmlCanvasElement, HtmlImageElement, Url,
};

use crate::present::chart::{self, ChartSpec, Heatmap, Hover, Scale};
use crate::shell::browser::js_error;

/// PNG downloads are rasterised at this multiple of the logical size, for sharpness.
pub(crate) const PNG_SCALE: u32 = 2;
/// How long an object URL handed to a download stays valid.
const REVOKE_AFTER_MS: i32 = 30_000;

/// A line chart with log toggles, downloads and a hover tooltip.
///
/// Renders `<figure class="chart" data-testid="chart-{id}" data-points="N">`. The log
/// toggles start from the spec's scales and then override them locally; a toggle is only
/// offered (and only applies) while every value on its axis is positive.
#[component]
pub(crate) fn Chart(#[prop(into)] spec: Signal<ChartSpec>) -> impl IntoView {
    let (start_x, start_y) = spec.with_untracked(|s| (s.x_scale, s.y_scale));
    let log_x = RwSignal::new(start_x == Scale::Log);
    let log_y = RwSignal::new(start_y == Scale::Log);
    let allowed = Memo::new(move |_| spec.with(|s| (s.log_allowed_x(), s.log_allowed_y())));
    let shown = Memo::new(move |_| {
        let (allow_x, allow_y) = allowed.get();
        let mut s = spec.get();
        s.x_scale = scale_of(allow_x && log_x.get());
        s.y_scale = scale_of(allow_y && log_y.get());
        s
    });
    let svg = Memo::new(move |_| shown.with(|s| chart::render_svg(s, chart::WIDTH, chart::HEIGHT)));
    let id = Memo::new(move |_| spec.with(|s| s.id.clone()));
    let points = Memo::new(move |_| spec.with(ChartSpec::point_count));

    // The mouse in logical SVG pixels; the hovered point follows both it and the data.
    let cursor = RwSignal::new(None::<(f64, f64)>);
    let hover = Memo::new(move |_| {
        let (x, y) = cursor.get()?;
        shown.with(|s| chart::nearest(s, chart::WIDTH, chart::HEIGHT, x, y))
    });
    let canvas = NodeRef::<Div>::new();
    let on_move = move |ev: leptos::ev::MouseEvent| {
        cursor.set(
            canvas
                .get()
                .and_then(|el| to_logical(&el, &ev, (chart::WIDTH, chart::HEIGHT))),
        );
    };

    view! {
        <figure class="chart" data-testid=move || format!("chart-{}", id.get()) data-points=points>
            <div class="chart-toolbar">
                <Show when=move || allowed.get().0>
                    <LogToggle label="log x" testid=Signal::derive(move || format!("chart-{}-logx", id.get())) on=log_x />
                </Show>
                <Show when=move || allowed.get().1>
                    <LogToggle label="log y" testid=Signal::derive(move || format!("chart-{}-logy", id.get())) on=log_y />
                </Show>
                <DownloadButtons
                    prefix="chart"
                    id=id
                    svg=svg
                    size=(chart::WIDTH, chart::HEIGHT)
                />
            </div>
            <div class="chart-plot" on:mousemove=on_move on:mouseleave=move |_| cursor.set(None)>
                <div class="chart-svg" node_ref=canvas inner_html=svg></div>
                {move || hover.get().map(|h| tooltip(&h, &id.get()))}
            </div>
        </figure>
    }
}

/// A heatmap with SVG and PNG downloads; each cell's `<title>` is its tooltip.
///
/// Renders `<figure class="chart heatmap" data-testid="heatmap-{id}" data-points="N">`,
/// where N counts the cells holding a value.
#[component]
pub(crate) fn HeatmapView(#[prop(into)] heatmap: Signal<Heatmap>) -> impl IntoView {
    let size = Memo::new(move |_| heatmap.with(chart::heatmap_size));
    let svg = Memo::new(move |_| {
        let (w, h) = size.get();
        heatmap.with(|m| chart::render_heatmap_svg(m, w, h))
    });
    let id = Memo::new(move |_| heatmap.with(|m| m.id.clone()));
    let points = Memo::new(move |_| heatmap.with(Heatmap::point_count));

    view! {
        <figure class="chart heatmap" data-testid=move || format!("heatmap-{}", id.get()) data-points=points>
            <div class="chart-toolbar">
                <DownloadButtons prefix="heatmap" id=id svg=svg size=size />
            </div>
            <div class="chart-plot">
                <div class="chart-svg" inner_html=svg></div>
            </div>
        </figure>
    }
}

fn scale_of(log: bool) -> Scale {
    if log { Scale::Log } else { Scale::Linear }
}

/// Maps the mouse to the logical SVG frame of `size`, through the element's on-screen box.
fn to_logical(
    el: &web_sys::Element,
    ev: &web_sys::MouseEvent,
    size: (f64, f64),
) -> Option<(f64, f64)> {
    let rect = el.get_bounding_client_rect();
    if rect.width() <= 0.0 || rect.height() <= 0.0 {
        return None;
    }
    let x = (f64::from(ev.client_x()) - rect.left()) * size.0 / rect.width();
    let y = (f64::from(ev.client_y()) - rect.top()) * size.1 / rect.height();
    Some((x, y))
}

/// The dot on the hovered point and the text box beside it, placed in percent of the
/// plot so that they follow the SVG's scaling; the box flips left near the right edge.
fn tooltip(h: &Hover, id: &str) -> impl IntoView + use<> {
    let left = format!("{:.3}%", h.px / chart::WIDTH * 100.0);
    let top = format!("{:.3}%", h.py / chart::HEIGHT * 100.0);
    let flip = h.px > chart::WIDTH * 0.6;
    // Placed through the element's style object (`style:`), not a `style` attribute, which
    // the page's content-security policy does not allow.
    view! {
        <span
            class="chart-dot"
            aria-hidden="true"
            style:left=left.clone()
            style:top=top.clone()
            style:background=h.color.clone()
        ></span>
        <div
            class="chart-tip"
            class:flip=flip
            role="status"
            data-testid=format!("chart-{id}-tip")
            style:left=left
            style:top=top
        >
            {h.text.clone()}
        </div>
    }
}

/// A checkbox that switches one axis between linear and log.
#[component]
fn LogToggle(label: &'static str, testid: Signal<String>, on: RwSignal<bool>) -> impl IntoView {
    view! {
        <label class="chart-toggle">
            <input
                type="checkbox"
                data-testid=testid
                prop:checked=move || on.get()
                on:change=move |ev| on.set(event_target_checked(&ev))
            />
            {label}
        </label>
    }
}

/// "SVG" and "PNG" buttons that save `svg` as `bioplay-{id}.svg` / `.png`, with the last
/// failure (if any) shown beside them.
#[component]
fn DownloadButtons(
    prefix: &'static str,
    #[prop(into)] id: Signal<String>,
    #[prop(into)] svg: Signal<String>,
    #[prop(into)] size: Signal<(f64, f64)>,
) -> impl IntoView {
    let error = RwSignal::new(None::<String>);
    let save_svg = move |_| {
        let name = format!("bioplay-{}.svg", id.get_untracked());
        let result = download_text(&name, "image/svg+xml", &svg.get_untracked());
        error.set(result.err());
    };
    let save_png = move |_| {
        let name = format!("bioplay-{}.png", id.get_untracked());
        let text = svg.get_untracked();
        let (w, h) = size.get_untracked();
        leptos::task::spawn_local(async move {
            let result =
                download_svg_as_png(&name, &text, w.round() as u32, h.round() as u32).await;
            // The chart may be gone by now; then there is nobody to tell.
            let _ = error.try_set(result.err());
        });
    };
    let testid = move |what: &str| format!("{prefix}-{}-{what}", id.get());
    view! {
        <span class="chart-downloads">
            <button type="button" class="chart-button" title="Download as SVG" data-testid=move || testid("svg") on:click=save_svg>
                "SVG"
            </button>
            <button type="button" class="chart-button" title="Download as PNG" data-testid=move || testid("png") on:click=save_png>
                "PNG"
            </button>
        </span>
        {move || error.get().map(|e| view! { <span class="chart-error" role="alert">{e}</span> })}
    }
}

/// Saves `bytes` as a file named `filename` of type `mime` (e.g. `"application/json"`).
pub(crate) fn download_bytes(filename: &str, mime: &str, bytes: &[u8]) -> Result<(), String> {
    let parts = Array::of1(&Uint8Array::from(bytes));
    let options = BlobPropertyBag::new();
    options.set_type(mime);
    let blob = Blob::new_with_u8_array_sequence_and_options(&parts, &options).map_err(js_error)?;
    download_blob(filename, &blob)
}

/// Saves `text` (as UTF-8) as a file named `filename` of type `mime` (e.g. `"text/csv"`).
pub(crate) fn download_text(filename: &str, mime: &str, text: &str) -> Result<(), String> {
    download_bytes(filename, mime, text.as_bytes())
}

/// Saves a blob as a file named `filename`.
pub(crate) fn download_blob(filename: &str, blob: &Blob) -> Result<(), String> {
    let url = Url::create_object_url_with_blob(blob).map_err(js_error)?;
    let result = click_link(filename, &url);
    revoke_later(url);
    result
}

/// Rasterises a standalone SVG document of logical size `width` x `height` at
/// [`PNG_SCALE`] times that size and saves it as the PNG file `filename`.
pub(crate) async fn download_svg_as_png(
    filename: &str,
    svg: &str,
    width: u32,
    height: u32,
) -> Result<(), String> {
    let blob = svg_to_png_blob(svg, width, height).await?;
    download_blob(filename, &blob)
}

async fn svg_to_png_blob(svg: &str, width: u32, height: u32) -> Result<Blob, String> {
    if width == 0 || height == 0 {
        return Err("the chart has no size to draw".to_owned());
    }
    let image = load_svg_image(svg).await?;
    let (w, h) = (
        width.saturating_mul(PNG_SCALE),
        height.saturating_mul(PNG_SCALE),
    );
    let canvas: HtmlCanvasElement = document()?
        .create_element("canvas")
        .map_err(js_error)?
        .dyn_into()
        .map_err(|_| "the browser made no canvas".to_owned())?;
    canvas.set_width(w);
    canvas.set_height(h);
    let context: CanvasRenderingContext2d = canvas
        .get_context("2d")
        .map_err(js_error)?
        .ok_or("the browser has no 2D canvas")?
        .dyn_into()
        .map_err(|_| "the browser has no 2D canvas".to_owned())?;
    context
        .draw_image_with_html_image_element_and_dw_and_dh(
            &image,
            0.0,
            0.0,
            f64::from(w),
            f64::from(h),
        )
        .map_err(js_error)?;
    canvas_to_png(&canvas).await
}

/// Loads an SVG document into an image element (through a `data:` URL, which keeps the
/// canvas it is drawn on readable).
async fn load_svg_image(svg: &str) -> Result<HtmlImageElement, String> {
    let image = HtmlImageElement::new().map_err(js_error)?;
    let loaded = Promise::new(&mut |resolve, reject| {
        image.set_onload(Some(&resolve));
        image.set_onerror(Some(&reject));
    });
    let encoded = String::from(js_sys::encode_uri_component(svg));
    image.set_src(&format!("data:image/svg+xml;charset=utf-8,{encoded}"));
    let result = JsFuture::from(loaded).await;
    image.set_onload(None);
    image.set_onerror(None);
    result.map_err(|_| "the browser could not draw the chart as an image".to_owned())?;
    Ok(image)
}

async fn canvas_to_png(canvas: &HtmlCanvasElement) -> Result<Blob, String> {
    let encoded = Promise::new(&mut |resolve, reject| {
        if let Err(e) = canvas.to_blob(&resolve) {
            let _ = reject.call1(&JsValue::NULL, &e);
        }
    });
    // `toBlob` hands over null when it cannot encode.
    JsFuture::from(encoded)
        .await
        .map_err(js_error)?
        .dyn_into::<Blob>()
        .map_err(|_| "the browser could not encode the PNG".to_owned())
}

fn document() -> Result<Document, String> {
    web_sys::window()
        .and_then(|w| w.document())
        .ok_or_else(|| "no document to download from".to_owned())
}

/// Clicks a hidden `<a href=url download=filename>`; it is in the page while clicked,
/// which some browsers need.
fn click_link(filename: &str, url: &str) -> Result<(), String> {
    let document = document()?;
    let anchor: HtmlAnchorElement = document
        .create_element("a")
        .map_err(js_error)?
        .dyn_into()
        .map_err(|_| "the browser made no link".to_owned())?;
    anchor.set_href(url);
    anchor.set_download(filename);
    // `hidden`, not a `style` attribute, which the content-security policy refuses.
    anchor.set_hidden(true);
    let body = document.body().ok_or("the page has no body")?;
    body.append_child(&anchor).map_err(js_error)?;
    anchor.click();
    anchor.remove();
    Ok(())
}

/// Frees an object URL once the download has surely started (at once if no timer can be set).
fn revoke_later(url: String) {
    let for_timer = url.clone();
    let revoke = Closure::once_into_js(move || {
        let _ = Url::revoke_object_url(&for_timer);
    });
    let scheduled = web_sys::window().is_some_and(|w| {
        w.set_timeout_with_callback_and_timeout_and_arguments_0(
            revoke.unchecked_ref(),
            REVOKE_AFTER_MS,
        )
        .is_ok()
    });
    if !scheduled {
        let _ = Url::revoke_object_url(&url);
    }
}
