import * as t from "io-ts";
import { METRIC_NAMES, type MetricName } from "./metric.js";

/**
 * The shape of bench/results.json, as a codec: whoever reads a results file
 * (the smoke test, a CI job comparing runs) decodes it instead of trusting it.
 */
const Name = t.keyof(
  Object.fromEntries(METRIC_NAMES.map((n) => [n, null])) as Record<MetricName, null>,
);
const Figure = t.union([t.number, t.null]);

export const MetricResultCodec = t.intersection([
  t.type({
    name: Name,
    unit: t.string,
    rxuio: Figure,
    reference: Figure,
    ratio: Figure,
    target: t.string,
    meets: t.union([t.boolean, t.null]),
  }),
  t.partial({ note: t.string }),
]);

export const ResultsFile = t.array(MetricResultCodec);
export type ResultsFile = t.TypeOf<typeof ResultsFile>;
