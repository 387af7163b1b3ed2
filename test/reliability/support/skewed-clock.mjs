// Preloaded into a Tally child (NODE_OPTIONS=--import): its wall clock runs TALLY_TEST_CLOCK_SKEW_MS
// off, as a server's with a wrong clock would. The monotonic clock (performance.now) is untouched.
const skew = Number(process.env.TALLY_TEST_CLOCK_SKEW_MS ?? 0);
const RealDate = Date;

class SkewedDate extends RealDate {
  constructor(...args) {
    if (args.length === 0) super(RealDate.now() + skew);
    else super(...args);
  }

  static now() {
    return RealDate.now() + skew;
  }
}

globalThis.Date = SkewedDate;
