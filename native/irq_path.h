// The section of the per-interrupt path (the interrupt service's wake-up,
// the command word's read-modify-write): its functions sit together, so a
// wake-up's code spans as few pages as possible (under emulation each page
// is a TLB refill and a translation-cache lookup per interrupt). A section,
// not __attribute__((hot)): that also changes how GCC optimizes the code,
// and unrolled register reads are more translated blocks, not fewer.
#pragma once

#define RXUIO_IRQ_PATH __attribute__((section(".text.hot.rxuio_irq_path")))
