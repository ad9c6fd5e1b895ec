// When the overview's list changes order. Live changes would otherwise move rows under the
// operator's eyes: a well that goes offline jumps towards the top, and the row they were about to
// click is another well. So live changes only patch rows in place and ask for a re-sort, which
// happens at most every RESORT_MS and only after QUIET_MS without scrolling, pointing or keys in
// the list. What the operator asks for (a filter, a sort) and wells coming or going re-sort at
// once.

/** Live changes re-sort the list at most this often... */
const RESORT_MS = 4_000;
/** ...and only once the operator has stopped scrolling, pointing or keying in the list this long. */
const QUIET_MS = 1_500;

export class ReorderPacing {
  constructor(grid, reorder) {
    this.grid = grid;
    this.reorder = reorder;
    this.timer = 0;
    this.doneAt = 0;
  }

  /** A live change wants a re-sort: at the next calm moment. */
  soon() {
    if (this.timer) return;
    this.timer = setTimeout(() => this.settle(), Math.max(0, this.doneAt + RESORT_MS - performance.now()));
  }

  settle() {
    this.timer = 0;
    const quietFor = performance.now() - this.grid.activityAt;
    if (quietFor < QUIET_MS) {
      this.timer = setTimeout(() => this.settle(), QUIET_MS - quietFor);
      return;
    }
    this.reorder();
  }

  /** The list was just sorted: nothing pending, and the next re-sort waits RESORT_MS. */
  done() {
    clearTimeout(this.timer);
    this.timer = 0;
    this.doneAt = performance.now();
  }
}
