//! The chart components and the browser download helpers.
//!
//! [`Chart`] shows a [`ChartSpec`] as the SVG that [`chart::render_svg`] writes, with a
//! toolbar (log x / log y toggles where the data allow them, SVG and PNG downloads) and a
//! tooltip that follows the mouse through [`chart::nearest`]. [`HeatmapView`] does the same
//! for a [`Heatmap`], with per-cell `<title>` tooltips instead of a hover layer.
//!
//! The SVG is drawn at its box's width (measured by a `ResizeObserver`; never under
//! [`chart::MIN_WIDTH`], below which CSS (`static/chart.css`) scales it down), so its
//! text is on screen the size the renderer writes; mouse positions are mapped to the
//! SVG's frame, so drawing and hit-testing share one layout. The page draws a line
//! chart's legend as buttons that hide and show series; downloads have it in the SVG.
//!
//! [`download_bytes`], [`download_text`] and [`download_svg_as_png`] save files from the
//! page (object URL + a clicked `<a download>`); they return errors as text and never panic.

use std::collections::BTreeSet;

use js_sys::{Array, Promise, Uint8Array};
use leptos::html::Div;
use leptos::prelude::*;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    Blob, BlobPropertyBag, CanvasRenderingContext2d, Document, HtmlAnchorElement,
    HtmlCanvasElement, HtmlImageElement, ResizeObserver, ResizeObserverEntry, Url,
};

use crate::present::chart::{self, ChartSpec, Heatmap, Hover, Scale};
use crate::shell::browser::{self, js_error};

/// PNG downloads are rasterised at this multiple of the logical size, for sharpness.
pub(crate) const PNG_SCALE: u32 = 2;
/// How long an object URL handed to a download stays valid.
const REVOKE_AFTER_MS: i32 = 30_000;

/// A line chart with a legend that hides and shows series, log toggles, downloads and a
/// hover tooltip.
///
/// Renders `<figure class="chart" data-testid="chart-{id}" data-points="N">`. The SVG is
/// drawn at the width of its box (a `ResizeObserver` follows it), so its text is the size
/// the renderer says on screen; a live chart is redrawn at most every [`REDRAW_MS`]. The
/// log toggles start from the spec's scales and then override them locally; a toggle is
/// only offered (and only applies) while every value on its axis is positive.
#[component]
pub(crate) fn Chart(#[prop(into)] spec: Signal<ChartSpec>) -> impl IntoView {
    let (start_x, start_y) = spec.with_untracked(|s| (s.x_scale, s.y_scale));
    let log_x = RwSignal::new(start_x == Scale::Log);
    let log_y = RwSignal::new(start_y == Scale::Log);
    // Series the reader hid, by name (a live chart's series come and go).
    let hidden = RwSignal::new(BTreeSet::<String>::new());
    // The point count follows the data at once (tests watch it); the drawing is throttled.
    let points = Memo::new(move |_| spec.with(ChartSpec::point_count));
    let spec = throttled(spec, REDRAW_MS);
    let allowed = Memo::new(move |_| spec.with(|s| (s.log_allowed_x(), s.log_allowed_y())));
    let shown = Memo::new(move |_| {
        let (allow_x, allow_y) = allowed.get();
        let mut s = spec.get();
        s.x_scale = scale_of(allow_x && log_x.get());
        s.y_scale = scale_of(allow_y && log_y.get());
        hidden.with(|h| {
            for series in &mut s.series {
                series.hidden = h.contains(&series.name);
            }
        });
        s
    });
    let plot = NodeRef::<Div>::new();
    let width = box_width(plot);
    let size =
        Memo::new(move |_| chart::Size::for_width(width.get().unwrap_or(chart::WIDTH), false));
    let svg = Memo::new(move |_| shown.with(|s| chart::render(s, &size.get())));
    let legend = Memo::new(move |_| shown.with(chart::legend_entries));
    // Downloads carry the legend inside the drawing; made only when asked for.
    let download = Signal::derive(move || {
        let size = chart::Size {
            legend: true,
            ..size.get()
        };
        shown.with(|s| chart::render(s, &size))
    });
    let id = Memo::new(move |_| spec.with(|s| s.id.clone()));

    // The mouse in SVG pixels; the hovered point follows both it and the data.
    let cursor = RwSignal::new(None::<(f64, f64)>);
    let hover = Memo::new(move |_| {
        let (x, y) = cursor.get()?;
        shown.with(|s| chart::nearest_in(s, &size.get(), x, y))
    });
    let canvas = NodeRef::<Div>::new();
    let on_move = move |ev: leptos::ev::MouseEvent| {
        let size = size.get_untracked();
        cursor.set(
            canvas
                .get()
                .and_then(|el| to_logical(&el, &ev, (size.width, size.height))),
        );
    };
    let toggle = move |name: String| {
        hidden.update(|h| {
            if !h.remove(&name) {
                h.insert(name);
            }
        });
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
                    svg=download
                    size=Signal::derive(move || { let s = size.get(); (s.width, s.height) })
                />
            </div>
            <ul class="chart-legend" aria-label="Series (press to hide or show)">
                <For
                    each=move || legend.get()
                    key=|entry| (entry.index, entry.name.clone(), entry.hidden)
                    let:entry
                >
                    <LegendButton entry=entry id=id on_toggle=toggle />
                </For>
            </ul>
            <div class="chart-plot" node_ref=plot on:mousemove=on_move on:mouseleave=move |_| cursor.set(None)>
                <div class="chart-svg" node_ref=canvas inner_html=svg></div>
                {move || hover.get().map(|h| tooltip(&h, &id.get(), &size.get()))}
            </div>
        </figure>
    }
}

/// One legend entry: the series' line (colour and style) and name, pressed to hide it.
#[component]
fn LegendButton(
    entry: chart::LegendEntry,
    #[prop(into)] id: Signal<String>,
    on_toggle: impl Fn(String) + Copy + 'static,
) -> impl IntoView {
    let name = entry.name.clone();
    let testid = move || format!("chart-{}-series-{}", id.get(), entry.index);
    let title = if entry.hidden {
        format!("Show {}", entry.name)
    } else {
        format!("Hide {}", entry.name)
    };
    view! {
        <li>
            <button
                type="button"
                class="chart-series"
                class:off=entry.hidden
                aria-pressed=if entry.hidden { "false" } else { "true" }
                title=title
                data-testid=testid
                on:click=move |_| on_toggle(name.clone())
            >
                <svg width="24" height="10" viewBox="0 0 24 10" aria-hidden="true">
                    <line
                        x1="1" y1="5" x2="23" y2="5"
                        stroke=entry.color
                        stroke-width="2.5"
                        stroke-dasharray=(!entry.dash.is_empty()).then_some(entry.dash)
                    />
                </svg>
                {entry.name.clone()}
            </button>
        </li>
    }
}

/// How often a changing chart (a live run's) is redrawn at most, in milliseconds.
const REDRAW_MS: f64 = 250.0;

/// `source`, passed on at most once every `ms` milliseconds: the first change at once,
/// later ones in a burst collected into one, `ms` after the last one passed on.
fn throttled<T>(source: Signal<T>, ms: f64) -> Signal<T>
where
    T: Clone + PartialEq + Send + Sync + 'static,
{
    let out = RwSignal::new(source.get_untracked());
    let last = StoredValue::new(f64::NEG_INFINITY);
    let pending = StoredValue::new(false);
    Effect::new(move |_| {
        source.track();
        if pending.get_value() {
            return;
        }
        let wait = last.get_value() + ms - browser::now_ms();
        if wait <= 0.0 {
            last.set_value(browser::now_ms());
            out.set(source.get_untracked());
            return;
        }
        pending.set_value(true);
        leptos::task::spawn_local(async move {
            browser::sleep(wait.ceil() as i32).await;
            // The chart may be gone by now.
            let Some(value) = source.try_get_untracked() else {
                return;
            };
            let _ = pending.try_set_value(false);
            let _ = last.try_set_value(browser::now_ms());
            let _ = out.try_set(value);
        });
    });
    out.into()
}

/// The width of `node`'s box in CSS pixels, whole and `None` until measured or while it is
/// hidden (zero wide), followed by a `ResizeObserver`.
fn box_width(node: NodeRef<Div>) -> ReadSignal<Option<f64>> {
    let width = RwSignal::new(None::<f64>);
    let observer = StoredValue::new_local(None::<(ResizeObserver, Closure<dyn FnMut(Array)>)>);
    Effect::new(move |_| {
        let Some(el) = node.get() else { return };
        let measure = move |w: f64| {
            let w = w.floor();
            if w > 0.0 && width.get_untracked() != Some(w) {
                width.set(Some(w));
            }
        };
        // No synchronous measure (it would force a layout in the task that mounts the
        // chart): a ResizeObserver reports every box once when it starts observing it.
        let on_resize = Closure::<dyn FnMut(Array)>::new(move |entries: Array| {
            if let Some(entry) = entries.get(0).dyn_ref::<ResizeObserverEntry>() {
                measure(entry.content_rect().width());
            }
        });
        if let Ok(ro) = ResizeObserver::new(on_resize.as_ref().unchecked_ref()) {
            ro.observe(&el);
            observer.set_value(Some((ro, on_resize)));
        }
    });
    on_cleanup(move || {
        observer.try_with_value(|o| {
            if let Some((ro, _)) = o {
                ro.disconnect();
            }
        });
    });
    width.read_only()
}

/// A heatmap with SVG and PNG downloads; each cell's `<title>` is its tooltip.
///
/// Renders `<figure class="chart heatmap" data-testid="heatmap-{id}" data-points="N">`,
/// where N counts the cells holding a value.
#[component]
pub(crate) fn HeatmapView(#[prop(into)] heatmap: Signal<Heatmap>) -> impl IntoView {
    let plot = NodeRef::<Div>::new();
    let width = box_width(plot);
    let size = Memo::new(move |_| {
        let width = width.get().unwrap_or(chart::WIDTH);
        heatmap.with(|m| chart::heatmap_size_for(m, width))
    });
    // Drawn once its box is measured, as a line chart is.
    let svg = Memo::new(move |_| {
        if width.get().is_none() {
            return String::new();
        }
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
            <div class="chart-plot" node_ref=plot>
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
fn tooltip(h: &Hover, id: &str, size: &chart::Size) -> impl IntoView + use<> {
    let left = format!("{:.3}%", h.px / size.width * 100.0);
    let top = format!("{:.3}%", h.py / size.height * 100.0);
    let flip = h.px > size.width * 0.6;
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
