// Share links of small configs, one per panel, used by the end-to-end tests.

/** Small configs, as share-link values; `main` is the chart that gains points. */
export const PANELS = {
  train: {
    main: "accuracy",
    values: { train_samples: 300, test_samples: 100, hidden: "32", epochs: 1, batch: 30, eval_every: 2 },
  },
  prune: {
    main: "accuracy-vs-weights",
    values: { train_samples: 200, test_samples: 100, hidden: "32", epochs: 1, batch: 50, rounds: 2 },
  },
  noise: {
    main: "accuracy-vs-sigma",
    values: { train_samples: 200, test_samples: 100, hidden: "32", epochs: 1, batch: 50, rounds: 1, seeds: 2, noise: "impulse", sigma_max: 0.5, sigma_steps: 3 },
  },
  continual: {
    main: "forgetting",
    values: { train_samples: 200, test_samples: 100, hidden: "32", epochs: 1, batch: 50, tasks: 2, kwta: 0.25 },
    // The default methods: dense, k-WTA + sparsity, dendrites + k-WTA + sparsity.
    runs: 3,
  },
  plasticity: {
    main: "accuracy",
    values: { train_samples: 200, test_samples: 100, width: 16, depth: 2, epochs: 1, batch: 20, eval_every: 5 },
  },
};

/** `#/<tab>?<values>` */
export function link(tab, values) {
  return `#/${tab}?` + new URLSearchParams(Object.entries(values).map(([k, v]) => [k, String(v)])).toString();
}
