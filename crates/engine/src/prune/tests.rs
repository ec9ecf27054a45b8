//! Tests of pruning: per-layer and global magnitude ranking, masks, schedules and the
//! first-layer images.

use super::*;
use crate::model::{ModelSpec, Network};

fn lenet() -> (Network, Vec<Vec<f32>>) {
    let net = Network::new(&ModelSpec::lenet_300_100(), 28, 28, 10).expect("builds");
    let values = net.init_values(&mut Rng::new(3));
    (net, values)
}

#[test]
fn layer_wise_rounds_remove_exactly_the_requested_count() {
    let (net, mut values) = lenet();
    let params = net.params();
    let spec = PruneSpec {
        rate: 0.2,
        output_rate: 0.1,
        conv_rate: 0.0,
        scope: PruneScope::LayerWise,
    };
    let mut masks = Masks::dense(params);
    for round in 0..12 {
        let before = masks.sparsity(params);
        let removed = prune_round(params, &values, &mut masks, &spec);
        let after = masks.sparsity(params);
        for (b, a) in before.iter().zip(&after) {
            let rate = if b.name == "fc3.weight" { 0.1 } else { 0.2 };
            let want = removal_count(b.kept, rate);
            assert_eq!(b.kept - a.kept, want, "round {round} {}", b.name);
        }
        assert_eq!(
            removed.iter().sum::<usize>(),
            before.iter().map(|l| l.kept).sum::<usize>()
                - after.iter().map(|l| l.kept).sum::<usize>()
        );
        // Biases are never masked.
        for (p, m) in params.iter().zip(&masks.0) {
            if !p.role.is_weight() {
                assert!(m.is_none());
            }
        }
        masks.apply(&mut values);
    }
    // (1 - 0.2)^12 of fc1 remains, within rounding.
    let fc1 = &masks.sparsity(params)[0];
    assert!((fc1.remaining() - remaining_after(0.2, 12)).abs() < 1e-3);
}

#[test]
fn pruning_removes_the_smallest_magnitudes() {
    let (net, values) = lenet();
    let params = net.params();
    let spec = PruneSpec {
        rate: 0.5,
        output_rate: 0.5,
        conv_rate: 0.0,
        scope: PruneScope::LayerWise,
    };
    let mut masks = Masks::dense(params);
    prune_round(params, &values, &mut masks, &spec);
    for (i, p) in params
        .iter()
        .enumerate()
        .filter(|(_, p)| p.role.is_weight())
    {
        let keep = masks.0[i].as_ref().expect("masked");
        let largest_removed = values[i]
            .iter()
            .zip(keep)
            .filter(|(_, k)| !**k)
            .map(|(w, _)| w.abs())
            .fold(0.0f32, f32::max);
        let smallest_kept = values[i]
            .iter()
            .zip(keep)
            .filter(|(_, k)| **k)
            .map(|(w, _)| w.abs())
            .fold(f32::INFINITY, f32::min);
        assert!(largest_removed <= smallest_kept, "{}", p.name);
    }
}

#[test]
fn global_rounds_remove_exactly_the_requested_count_across_layers() {
    let (net, mut values) = lenet();
    let params = net.params();
    let spec = PruneSpec {
        rate: 0.2,
        output_rate: 0.0,
        conv_rate: 0.0,
        scope: PruneScope::Global,
    };
    // Make fc2 weights larger so a global ranking prunes fc1 more than fc2.
    for w in &mut values[2] {
        *w *= 10.0;
    }
    let mut masks = Masks::dense(params);
    for _ in 0..5 {
        let before = masks.sparsity(params);
        let pooled: usize = before[..2].iter().map(|l| l.kept).sum();
        prune_round(params, &values, &mut masks, &spec);
        let after = masks.sparsity(params);
        let pooled_after: usize = after[..2].iter().map(|l| l.kept).sum();
        assert_eq!(pooled - pooled_after, removal_count(pooled, 0.2));
        assert_eq!(after[2].kept, after[2].total, "output layer not pruned");
        masks.apply(&mut values);
    }
    let s = masks.sparsity(params);
    assert!(s[0].remaining() < s[1].remaining());
}

#[test]
fn the_mask_image_shows_each_units_kept_inputs() {
    let net = Network::new(
        &ModelSpec::Mlp(crate::model::MlpSpec::new(vec![3])),
        2,
        2,
        2,
    )
    .expect("builds");
    let params = net.params();
    let mut masks = Masks::dense(params);
    // fc1.weight is [4 inputs, 3 units]; prune input 1 of unit 2 and input 3 of unit 0.
    let mut keep = vec![true; 12];
    keep[3 + 2] = false;
    keep[3 * 3] = false;
    masks.0[0] = Some(keep);
    let image = first_layer_mask_image(params, &masks, 2, 2).expect("an MLP has one");
    // 3 units -> 2 x 2 grid of 2 x 2 tiles with 1-pixel gaps.
    assert_eq!((image.width, image.height), (7, 7));
    let at = |x: usize, y: usize| image.pixels[y * image.width + x];
    assert_eq!(at(0, 0), 96, "gap");
    // Unit 0 at tile (0, 0): input 3 = (row 1, col 1) pruned.
    assert_eq!([at(1, 1), at(2, 1), at(1, 2), at(2, 2)], [255, 255, 255, 0]);
    // Unit 2 at tile (0, 1): input 1 = (row 0, col 1) pruned.
    assert_eq!([at(1, 4), at(2, 4), at(1, 5), at(2, 5)], [255, 0, 255, 255]);
    assert!(
        first_layer_mask_image(
            Network::new(&ModelSpec::lenet5(), 28, 28, 10)
                .expect("builds")
                .params(),
            &masks,
            28,
            28
        )
        .is_none()
    );
}

#[test]
fn random_and_shuffled_masks_keep_the_counts() {
    let (net, values) = lenet();
    let params = net.params();
    let mut rng = Rng::new(1);
    let fixed = Masks::random(params, 0.5, &mut rng);
    let s = fixed.sparsity(params);
    assert_eq!(s[0].kept, 784 * 300 / 2);
    assert_eq!(s[2].kept, s[2].total);
    let mut masks = Masks::dense(params);
    let spec = PruneSpec {
        rate: 0.3,
        output_rate: 0.15,
        conv_rate: 0.0,
        scope: PruneScope::LayerWise,
    };
    prune_round(params, &values, &mut masks, &spec);
    let control = masks.shuffled(params, &mut rng);
    assert_eq!(control.sparsity(params), masks.sparsity(params));
    assert_ne!(control, masks);
}

#[test]
fn images_encode_as_png_and_tile_into_grids() {
    let tile = |v: u8| GrayImage {
        width: 2,
        height: 3,
        pixels: vec![v; 6],
    };
    let grid = GrayImage::grid(&[tile(10), tile(20), tile(30)], 2).expect("same sizes");
    // 2 across, 2 down, 1-pixel gaps: 2 * 3 + 1 wide, 2 * 4 + 1 high.
    assert_eq!((grid.width, grid.height), (7, 9));
    assert_eq!(grid.pixels[grid.width + 1], 10);
    assert_eq!(grid.pixels[5 * grid.width + 1], 30);
    assert_eq!(
        grid.pixels[5 * grid.width + 4],
        GAP,
        "the empty fourth tile"
    );
    assert!(
        GrayImage::grid(
            &[
                tile(1),
                GrayImage {
                    width: 1,
                    height: 1,
                    pixels: vec![0]
                }
            ],
            2
        )
        .is_none()
    );
    let png = grid.to_png().expect("encodes");
    let decoder = png::Decoder::new(std::io::Cursor::new(png));
    let mut reader = decoder.read_info().expect("a PNG");
    let mut pixels = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut pixels).expect("decodes");
    assert_eq!((info.width, info.height), (7, 9));
    assert_eq!(&pixels[..info.buffer_size()], &grid.pixels[..]);
}
