// SPDX-License-Identifier: GPL-2.0
/*
 * uio_vadc - a virtual ADC behind UIO, with no hardware at all
 *
 * Demonstrates UIO_IRQ_CUSTOM: events come from an hrtimer through
 * uio_event_notify(), and irqcontrol (write 1 or 0 to /dev/uioN) starts
 * and stops acquisition. The module registers its own platform device.
 *
 * map 0 "registers": the register page and the ring after it (UIO_MEM_LOGICAL;
 * one page with the default ring), native-endian u32s:
 *   0x000 ID         ro  0x56414443 ("VADC")
 *   0x004 CTRL       ro  bit 0: running
 *   0x008 RATE       rw  samples/s, clamped to 1..1000000, read every tick
 *   0x00c WATERMARK  rw  samples per event, clamped to 1..RING_LEN
 *   0x010 SEQ        ro  samples produced since load, wraps at 2^32
 *   0x014 WRITE_IDX  ro  ring slot of the next sample (SEQ % RING_LEN)
 *   0x018 RING_LEN   ro  module parameter ring_len, a power of two (default 512)
 *   0x800 RING       ro  RING_LEN samples; sample n is in slot n % RING_LEN
 * Readers take the ring's length from RING_LEN: a larger ring, like the
 * buffer of a real ADC driver, lets a consumer stall longer without loss.
 * Sample n (n = its SEQ, mod 2^32) is (n & 0xffff) << 16 | tri(n) << 4,
 * tri(n) = p <= 4095 ? p : 8190 - p with p = n % 8190: a 12-bit triangle
 * wave (IIO "le:u12/32>>4") tagged with its sequence number so a reader
 * can prove order. SEQ is stored after the samples it counts.
 * There is one event per WATERMARK samples, so the UIO event count is
 * SEQ / WATERMARK and a jump in it is exactly the events a reader missed.
 * Samples are due by elapsed time, not by tick: the timer never ticks
 * faster than every 10 us and a late tick produces every sample due, at
 * most 512 per tick so that catching up never holds the CPU for long.
 */
#include <linux/hrtimer.h>
#include <linux/log2.h>
#include <linux/math64.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/platform_device.h>
#include <linux/uio_driver.h>

enum { VADC_ID, VADC_CTRL, VADC_RATE, VADC_WATERMARK, VADC_SEQ,
	VADC_WRITE_IDX, VADC_RING_LEN };
#define VADC_RING	(0x800 / sizeof(u32))
#define VADC_MAX_RING_LEN	65536
#define VADC_TICK_BUDGET	512
#define VADC_MAGIC	0x56414443
#define VADC_MAX_RATE	1000000
#define VADC_MIN_TICK_NS	10000

static unsigned int rate = 1000;
module_param(rate, uint, 0444);
MODULE_PARM_DESC(rate, "initial RATE register, samples/s (default 1000)");

/* A power of two: slot SEQ % ring_len must not jump when SEQ wraps at 2^32. */
static unsigned int ring_len = 512;
module_param(ring_len, uint, 0444);
MODULE_PARM_DESC(ring_len, "samples in the ring, a power of two up to 65536 (default 512)");

struct uio_vadc {
	struct uio_info info;
	u32 *regs;
	struct hrtimer timer;
	struct mutex lock;	/* running/gone against irqcontrol and remove */
	bool running, gone;
	ktime_t t0;		/* rate and t0 say how many samples are due */
	u32 ring_len, rate, seq, fill;
	u64 made;
};

static u32 vadc_sample(u32 n)
{
	u32 p = n % 8190;

	return (n & 0xffff) << 16 | (p <= 4095 ? p : 8190 - p) << 4;
}

static enum hrtimer_restart vadc_tick(struct hrtimer *timer)
{
	struct uio_vadc *vadc = container_of(timer, struct uio_vadc, timer);
	u32 *regs = vadc->regs;
	u32 hz = clamp_t(u32, READ_ONCE(regs[VADC_RATE]), 1, VADC_MAX_RATE);
	u32 len = vadc->ring_len;
	u32 wm = clamp_t(u32, READ_ONCE(regs[VADC_WATERMARK]), 1, len);
	ktime_t now = hrtimer_cb_get_time(timer);
	unsigned int budget = min_t(u32, len, VADC_TICK_BUDGET), events = 0;
	u64 due;

	if (hz != vadc->rate) {	/* a new rate starts a new schedule */
		vadc->rate = hz;
		/* from this tick's expiry, not now: jitter can't pair ticks */
		vadc->t0 = hrtimer_get_expires(timer);
		vadc->made = 0;
	}
	due = mul_u64_u32_div(ktime_to_ns(ktime_sub(now, vadc->t0)), hz,
			      NSEC_PER_SEC);
	for (; vadc->made < due && budget; budget--, vadc->made++) {
		regs[VADC_RING + vadc->seq % len] = vadc_sample(vadc->seq);
		vadc->seq++;
		if (++vadc->fill >= wm) {
			vadc->fill = 0;
			events++;
		}
	}
	smp_wmb();	/* samples before the SEQ that announces them */
	WRITE_ONCE(regs[VADC_SEQ], vadc->seq);
	WRITE_ONCE(regs[VADC_WRITE_IDX], vadc->seq % len);
	while (events--)
		uio_event_notify(&vadc->info);

	hrtimer_forward_now(timer, ns_to_ktime(max_t(u64, NSEC_PER_SEC / hz,
						     VADC_MIN_TICK_NS)));
	return HRTIMER_RESTART;
}

static int vadc_irqcontrol(struct uio_info *info, s32 irq_on)
{
	struct uio_vadc *vadc = container_of(info, struct uio_vadc, info);
	int ret = 0;

	mutex_lock(&vadc->lock);
	if (vadc->gone) {
		ret = -ENODEV;
	} else if (irq_on && !vadc->running) {
		vadc->running = true;
		vadc->rate = 0;	/* first tick starts the schedule */
		WRITE_ONCE(vadc->regs[VADC_CTRL], 1);
		hrtimer_start(&vadc->timer, 0, HRTIMER_MODE_REL);
	} else if (!irq_on && vadc->running) {
		hrtimer_cancel(&vadc->timer);
		vadc->running = false;
		WRITE_ONCE(vadc->regs[VADC_CTRL], 0);
	}
	mutex_unlock(&vadc->lock);
	return ret;
}

/* Runs before uio_unregister_device(): no tick may notify a dead device. */
static void vadc_stop(void *data)
{
	struct uio_vadc *vadc = data;

	mutex_lock(&vadc->lock);
	vadc->gone = true;
	hrtimer_cancel(&vadc->timer);
	mutex_unlock(&vadc->lock);
}

static int vadc_probe(struct platform_device *pdev)
{
	struct device *dev = &pdev->dev;
	size_t size = (VADC_RING + ring_len) * sizeof(u32);
	struct uio_vadc *vadc;
	int ret;

	vadc = devm_kzalloc(dev, sizeof(*vadc), GFP_KERNEL);
	if (!vadc)
		return -ENOMEM;
	/*
	 * Whole pages, not kmalloc: UIO_MEM_LOGICAL maps them by refcount.
	 * Compound, so a mapped tail page holds the whole block, not a page
	 * the allocator would free on unbind.
	 */
	vadc->regs = (u32 *)devm_get_free_pages(dev, GFP_KERNEL | __GFP_ZERO |
						__GFP_COMP, get_order(size));
	if (!vadc->regs)
		return -ENOMEM;
	vadc->ring_len = ring_len;
	vadc->regs[VADC_ID] = VADC_MAGIC;
	vadc->regs[VADC_RATE] = rate;
	vadc->regs[VADC_WATERMARK] = 1;
	vadc->regs[VADC_RING_LEN] = ring_len;
	mutex_init(&vadc->lock);
	hrtimer_init(&vadc->timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
	vadc->timer.function = vadc_tick;

	vadc->info.name = "uio_vadc";
	vadc->info.version = "0.1.0";
	vadc->info.mem[0].name = "registers";
	vadc->info.mem[0].addr = (phys_addr_t)(uintptr_t)vadc->regs;
	vadc->info.mem[0].size = size;
	vadc->info.mem[0].memtype = UIO_MEM_LOGICAL;
	vadc->info.irq = UIO_IRQ_CUSTOM;
	vadc->info.irqcontrol = vadc_irqcontrol;

	ret = devm_uio_register_device(dev, &vadc->info);
	if (ret)
		return ret;
	return devm_add_action_or_reset(dev, vadc_stop, vadc);
}

static struct platform_driver vadc_driver = {
	.driver.name = "uio_vadc",
	.probe = vadc_probe,
};

static struct platform_device *vadc_pdev;

static int __init vadc_init(void)
{
	int ret;

	if (!is_power_of_2(ring_len) || ring_len > VADC_MAX_RING_LEN) {
		pr_err("uio_vadc: ring_len=%u is not a power of two up to %u\n",
		       ring_len, VADC_MAX_RING_LEN);
		return -EINVAL;
	}
	ret = platform_driver_register(&vadc_driver);
	if (ret)
		return ret;
	vadc_pdev = platform_device_register_simple("uio_vadc",
						    PLATFORM_DEVID_NONE,
						    NULL, 0);
	if (IS_ERR(vadc_pdev)) {
		platform_driver_unregister(&vadc_driver);
		return PTR_ERR(vadc_pdev);
	}
	return 0;
}
module_init(vadc_init);

static void __exit vadc_exit(void)
{
	platform_device_unregister(vadc_pdev);
	platform_driver_unregister(&vadc_driver);
}
module_exit(vadc_exit);

MODULE_DESCRIPTION("UIO virtual ADC: hrtimer samples into a shared page");
MODULE_LICENSE("GPL");
