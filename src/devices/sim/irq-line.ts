/**
 * One interrupt line with the kernel's counting rules, as user space sees
 * them through /dev/uioN:
 * - "level": the device holds the line while it has something pending; like
 *   uio_pci_generic (INTx) and uio_pdrv_genirq the handler masks the line on
 *   each interrupt, so it fires once, then again on every unmask for as long
 *   as the device still asserts it (the "ack, then rearm" rule).
 * - "edge": each pulse is one event (like UIO_IRQ_CUSTOM + uio_event_notify);
 *   the line is never auto-masked, so a slow consumer sees the count jump.
 * While masked nothing is counted. The count is an s32 that wraps.
 */
export type IrqTrigger = "level" | "edge";

export class IrqLine {
  private total = 0;
  private unmasked = true;
  private level = false;

  constructor(
    readonly trigger: IrqTrigger,
    /** Called after every counted interrupt. */
    private readonly onInterrupt: () => void,
  ) {}

  /** Total interrupts counted (the value a 4-byte read of /dev/uioN returns). */
  get count(): number {
    return this.total;
  }

  get enabled(): boolean {
    return this.unmasked;
  }

  get asserted(): boolean {
    return this.level;
  }

  /** Level trigger: the device raises the line (fires now if unmasked). */
  assert(): void {
    if (this.level) return;
    this.level = true;
    this.deliverIfDue();
  }

  /** Level trigger: the device lowers the line (its status was acked). */
  deassert(): void {
    this.level = false;
  }

  /** Edge trigger: one event, counted only while unmasked. */
  pulse(): void {
    if (this.unmasked) this.fire();
  }

  /** true = unmask, false = mask (irqcontrol). */
  setEnabled(enabled: boolean): void {
    this.unmasked = enabled;
    this.deliverIfDue();
  }

  private deliverIfDue(): void {
    if (this.trigger === "level" && this.level && this.unmasked) {
      // The kernel handler masks a level-triggered line before returning.
      this.unmasked = false;
      this.fire();
    }
  }

  private fire(): void {
    this.total = (this.total + 1) | 0;
    this.onInterrupt();
  }
}
