// The kernel benchmarks' guest suite lives with the benchmarks (bench/kernel);
// the guest runner only loads suites from this directory.
export { default } from "../../../../bench/kernel/guest-suite.js";
