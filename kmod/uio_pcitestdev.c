// SPDX-License-Identifier: GPL-2.0
/*
 * uio_pcitestdev - UIO stub for QEMU's pci-testdev (PCI 1b36:0005)
 *
 * Demonstrates UIO port regions: BAR1, the device's I/O-port range, is
 * published as /sys/class/uio/uioN/portio/port0 (UIO_PORT_X86) for user
 * space to reach with ioperm() and in/out; BAR0, the same test protocol
 * over MMIO, is map 0. The device has no interrupt, so there is no irq
 * and read() on /dev/uioN fails with EIO.
 *
 * The stub exists mostly for pcim_enable_device(): until a driver enables
 * the device, both BARs read as zeros. Observable behaviour: writing test
 * index i to byte 0 of a BAR selects a test and zeroes its count; the BAR
 * then reads as a header (test, width, offset, data, count, name), and
 * each write of "data" at "offset" adds one to "count".
 */
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/uio_driver.h>

static int pcitestdev_probe(struct pci_dev *pdev,
			    const struct pci_device_id *id)
{
	struct device *dev = &pdev->dev;
	struct uio_info *info;
	int ret;

	if (!(pci_resource_flags(pdev, 0) & IORESOURCE_MEM) ||
	    !(pci_resource_flags(pdev, 1) & IORESOURCE_IO))
		return dev_err_probe(dev, -ENODEV,
				     "expected BAR0 MMIO and BAR1 I/O\n");

	info = devm_kzalloc(dev, sizeof(*info), GFP_KERNEL);
	if (!info)
		return -ENOMEM;
	ret = pcim_enable_device(pdev);
	if (ret)
		return ret;
	/* Managed because the device is pcim-enabled: claims both BARs. */
	ret = pci_request_regions(pdev, "uio_pcitestdev");
	if (ret)
		return ret;

	info->name = "uio_pcitestdev";
	info->version = "0.1.0";
	info->mem[0].name = "mmio";
	info->mem[0].addr = pci_resource_start(pdev, 0);
	info->mem[0].size = pci_resource_len(pdev, 0);
	info->mem[0].memtype = UIO_MEM_PHYS;
	info->port[0].name = "portio";
	info->port[0].start = pci_resource_start(pdev, 1);
	info->port[0].size = pci_resource_len(pdev, 1);
	info->port[0].porttype = UIO_PORT_X86;

	return devm_uio_register_device(dev, info);
}

static const struct pci_device_id pcitestdev_ids[] = {
	{ PCI_DEVICE(PCI_VENDOR_ID_REDHAT, 0x0005) },
	{ }
};
MODULE_DEVICE_TABLE(pci, pcitestdev_ids);

static struct pci_driver pcitestdev_driver = {
	.name = "uio_pcitestdev",
	.id_table = pcitestdev_ids,
	.probe = pcitestdev_probe,
};
module_pci_driver(pcitestdev_driver);

MODULE_DESCRIPTION("UIO stub for QEMU pci-testdev: MMIO map and I/O-port region");
MODULE_LICENSE("GPL");
