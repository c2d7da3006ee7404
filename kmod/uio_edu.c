// SPDX-License-Identifier: GPL-2.0
/*
 * uio_edu - UIO stub for QEMU's "edu" teaching device (PCI 1234:11e8)
 *
 * Demonstrates the original UIO split for a device with registers, an
 * interrupt and bus-master DMA: the kernel part only acknowledges the
 * interrupt, user space drives everything else through /dev/uioN.
 *
 * map 0: BAR0, the 1 MiB register window.
 * map 1: one page of DMA-coherent memory for edu's DMA engine; its sysfs
 *        "addr" is the bus address to program into 0x80/0x88. Linux 6.1
 *        has no UIO_MEM_DMA_COHERENT, so the page is exported as
 *        UIO_MEM_IOVA (mapped cached, by physical address, as
 *        uio_hv_generic does) and probe refuses to bind where an IOMMU
 *        makes the bus address differ from the physical one. Mappings
 *        hold a reference on the page, so an unbind or a hot-unplug never
 *        leaves user space mapping freed memory.
 * irq:   MSI. The handler acks the bits it reads from 0x24 through 0x64
 *        (edu keeps interrupting otherwise). Writing 0 or 1 to /dev/uioN
 *        masks or unmasks the vector; uio_pci_generic cannot do that.
 */
#include <linux/dma-mapping.h>
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/uio_driver.h>

#define EDU_IRQ_STATUS	0x24
#define EDU_IRQ_ACK	0x64
#define EDU_DMA_BITS	28	/* edu's default dma_mask */
#define EDU_MASKED	0	/* bit in uio_edu.flags */

struct uio_edu {
	struct uio_info info;
	unsigned long flags;
	void *dma_buf;
};

static irqreturn_t edu_irqhandler(int irq, struct uio_info *info)
{
	void __iomem *regs = info->mem[0].internal_addr;
	u32 status = ioread32(regs + EDU_IRQ_STATUS);

	if (!status)
		return IRQ_NONE;
	iowrite32(status, regs + EDU_IRQ_ACK);
	return IRQ_HANDLED;
}

static int edu_irqcontrol(struct uio_info *info, s32 irq_on)
{
	struct uio_edu *edu = container_of(info, struct uio_edu, info);

	/* The flag keeps disable/enable balanced whatever user space writes. */
	if (irq_on && test_and_clear_bit(EDU_MASKED, &edu->flags))
		enable_irq(info->irq);
	else if (!irq_on && !test_and_set_bit(EDU_MASKED, &edu->flags))
		disable_irq(info->irq);
	return 0;
}

/*
 * The DMA page is inserted by reference (vm_insert_page) rather than by
 * PFN: dmam_ frees it on unbind, and a live mapping must keep it alive.
 */
static int edu_mmap(struct uio_info *info, struct vm_area_struct *vma)
{
	struct uio_edu *edu = container_of(info, struct uio_edu, info);
	/* uio checked that vm_pgoff names a map and the length fits it */
	struct uio_mem *mem = &info->mem[vma->vm_pgoff];

	if (vma->vm_pgoff == 1)
		return vm_insert_page(vma, vma->vm_start,
				      virt_to_page(edu->dma_buf));
	vma->vm_page_prot = pgprot_noncached(vma->vm_page_prot);
	return remap_pfn_range(vma, vma->vm_start, mem->addr >> PAGE_SHIFT,
			       vma->vm_end - vma->vm_start, vma->vm_page_prot);
}

static int edu_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct device *dev = &pdev->dev;
	struct uio_edu *edu;
	dma_addr_t dma;
	int ret;

	edu = devm_kzalloc(dev, sizeof(*edu), GFP_KERNEL);
	if (!edu)
		return -ENOMEM;
	ret = pcim_enable_device(pdev);
	if (ret)
		return ret;
	ret = pcim_iomap_regions(pdev, BIT(0), "uio_edu");
	if (ret)
		return ret;
	pci_set_master(pdev);	/* for DMA and for MSI writes */

	ret = dma_set_mask_and_coherent(dev, DMA_BIT_MASK(EDU_DMA_BITS));
	if (ret)
		return ret;
	edu->dma_buf = dmam_alloc_coherent(dev, PAGE_SIZE, &dma, GFP_KERNEL);
	if (!edu->dma_buf)
		return -ENOMEM;
	if (!virt_addr_valid(edu->dma_buf) || virt_to_phys(edu->dma_buf) != dma)
		return dev_err_probe(dev, -EOPNOTSUPP,
				     "DMA address is translated; map 1 would be wrong\n");

	ret = pci_alloc_irq_vectors(pdev, 1, 1, PCI_IRQ_MSI);
	if (ret < 0)
		return dev_err_probe(dev, ret, "no MSI vector\n");

	edu->info.name = "uio_edu";
	edu->info.version = "0.1.0";
	edu->info.mem[0].name = "registers";
	edu->info.mem[0].addr = pci_resource_start(pdev, 0);
	edu->info.mem[0].size = pci_resource_len(pdev, 0);
	edu->info.mem[0].memtype = UIO_MEM_PHYS;
	edu->info.mem[0].internal_addr = pcim_iomap_table(pdev)[0];
	edu->info.mem[1].name = "dma";
	edu->info.mem[1].addr = dma;
	edu->info.mem[1].size = PAGE_SIZE;
	edu->info.mem[1].memtype = UIO_MEM_IOVA;
	edu->info.irq = pci_irq_vector(pdev, 0);
	edu->info.handler = edu_irqhandler;
	edu->info.irqcontrol = edu_irqcontrol;
	edu->info.mmap = edu_mmap;

	return devm_uio_register_device(dev, &edu->info);
}

static const struct pci_device_id edu_ids[] = {
	{ PCI_DEVICE(0x1234, 0x11e8) },
	{ }
};
MODULE_DEVICE_TABLE(pci, edu_ids);

static struct pci_driver edu_driver = {
	.name = "uio_edu",
	.id_table = edu_ids,
	.probe = edu_probe,
};
module_pci_driver(edu_driver);

MODULE_DESCRIPTION("UIO stub for the QEMU edu device: BAR0, a DMA page, MSI");
MODULE_LICENSE("GPL");
