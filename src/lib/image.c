// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * TDX module images in format 0x100 (kernel series v1..v8) and 0x200 (v9,
 * v10, mainline). The header checks reproduce the accepting kernel's, in its
 * order, so a rejection here predicts a rejection there (research:
 * kernel-abi.md §2.1, §2.2); a few extra checks make sure the image carries a
 * sigstruct and a module at all. Everything else (checksum, seamhash,
 * sigstruct sanity, signature) is tdx_image_validate()'s job.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio-internal.h"
#include <tdx/hash.h>
#include "image-layout.h"
#include <tdx/image.h>
#include <tdx/macro.h>

/* Where the sigstruct and module sit in an image; derived from its header. */
struct image_layout {
	enum tdx_image_format format;
	uint16_t checksum;
	size_t sigstruct_offset;
	size_t sigstruct_size;
	size_t module_offset;
	size_t module_size;
};

static uint64_t pages_for(uint64_t bytes)
{
	return (bytes + TDX_PAGE_SIZE - 1) / TDX_PAGE_SIZE;
}

const char *tdx_image_format_to_string(enum tdx_image_format f)
{
	switch (f) {
	case TDX_IMAGE_FORMAT_V1:
		return "0x100";
	case TDX_IMAGE_FORMAT_V2:
		return "0x200";
	default:
		return "invalid";
	}
}

int tdx_image_format_from_string(const char *s, enum tdx_image_format *ret)
{
	static const struct {
		const char *name;
		enum tdx_image_format format;
	} names[] = {
		{"0x100", TDX_IMAGE_FORMAT_V1}, {"100", TDX_IMAGE_FORMAT_V1},
		{"1", TDX_IMAGE_FORMAT_V1},	{"0x200", TDX_IMAGE_FORMAT_V2},
		{"200", TDX_IMAGE_FORMAT_V2},	{"2", TDX_IMAGE_FORMAT_V2},
	};

	if (!s)
		return -EINVAL;
	for (size_t i = 0; i < ELEMENTSOF(names); i++)
		if (strcasecmp(s, names[i].name) == 0) {
			*ret = names[i].format;
			return 0;
		}
	return -EINVAL;
}

uint16_t tdx_checksum16(const void *data, size_t size)
{
	const uint8_t *p = data;
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i + 1 < size; i += 2)
		sum += (uint32_t)p[i] | ((uint32_t)p[i + 1] << 8);
	if (i < size)
		sum += p[i];
	return (uint16_t)sum;
}

static const uint8_t *first_nonzero(const uint8_t *p, size_t size)
{
	for (size_t i = 0; i < size; i++)
		if (p[i])
			return p + i;
	return NULL;
}

static int check_signature(const uint8_t *sig, struct tdx_diag *diag)
{
	if (memcmp(sig, TDX_IMAGE_SIGNATURE, TDX_IMAGE_SIGNATURE_LEN) != 0)
		return tdx_diag_set(diag, -EINVAL, "signature is not \"TDX-BLOB\"");
	return 0;
}

/* Checks of arch/x86/virt/vmx/tdx/seamldr.c in the v4 series, in its order. */
static int check_v1_header(const uint8_t *hdr, uint64_t size, struct image_layout *ret,
			   struct tdx_diag *diag)
{
	uint32_t offset = get_le32(hdr + V1_OFF_MODULE_OFFSET);
	uint32_t length = get_le32(hdr + V1_OFF_LENGTH);
	uint32_t reserved0 = get_le32(hdr + V1_OFF_RESERVED0);
	const uint8_t *nz;
	uint64_t sig_size, module_size;
	int r;

	if (offset >= size)
		return tdx_diag_set(diag, -EINVAL,
				    "offset_of_module 0x%x is not inside the %llu-byte image",
				    offset, (unsigned long long)size);
	if (reserved0 != 0)
		return tdx_diag_set(diag, -EINVAL, "reserved0 is 0x%x, must be zero", reserved0);
	nz = first_nonzero(hdr + V1_OFF_RESERVED1, TDX_PAGE_SIZE - V1_OFF_RESERVED1);
	if (nz)
		return tdx_diag_set(diag, -EINVAL, "reserved1 byte at 0x%zx is not zero",
				    (size_t)(nz - hdr));
	if (offset <= TDX_PAGE_SIZE)
		return tdx_diag_set(diag, -EINVAL,
				    "offset_of_module 0x%x leaves no room for a sigstruct", offset);
	sig_size = offset - TDX_PAGE_SIZE;
	module_size = size - offset;
	if (length != size)
		return tdx_diag_set(diag, -EINVAL, "length field is %u, the image is %llu bytes",
				    length, (unsigned long long)size);
	r = check_signature(hdr + V1_OFF_SIGNATURE, diag);
	if (r < 0)
		return r;
	if (pages_for(module_size) > TDX_MAX_MODULE_PAGES)
		return tdx_diag_set(diag, -EINVAL, "module is %llu pages, at most %u",
				    (unsigned long long)pages_for(module_size),
				    TDX_MAX_MODULE_PAGES);
	if (pages_for(sig_size) > TDX_V1_MAX_SIGSTRUCT_PAGES)
		return tdx_diag_set(diag, -EINVAL, "sigstruct is %llu pages, at most %u",
				    (unsigned long long)pages_for(sig_size),
				    TDX_V1_MAX_SIGSTRUCT_PAGES);
	if (offset % TDX_PAGE_SIZE != 0)
		return tdx_diag_set(diag, -EINVAL, "offset_of_module 0x%x is not page aligned",
				    offset);
	if (module_size % TDX_PAGE_SIZE != 0)
		return tdx_diag_set(diag, -EINVAL, "module is %llu bytes, not a multiple of %u",
				    (unsigned long long)module_size, TDX_PAGE_SIZE);
	*ret = (struct image_layout){
		.format = TDX_IMAGE_FORMAT_V1,
		.sigstruct_offset = TDX_SIGSTRUCT_OFFSET,
		.sigstruct_size = (size_t)sig_size,
		.module_offset = offset,
		.module_size = (size_t)module_size,
	};
	return 0;
}

/* Checks of mainline arch/x86/virt/vmx/tdx/seamldr.c, in its order. */
static int check_v2_header(const uint8_t *hdr, uint64_t size, struct image_layout *ret,
			   struct tdx_diag *diag)
{
	uint32_t sig_pages = get_le32(hdr + V2_OFF_SIG_PAGES);
	uint32_t mod_pages = get_le32(hdr + V2_OFF_MOD_PAGES);
	uint64_t expect = TDX_PAGE_SIZE * (1ull + sig_pages + mod_pages);
	const uint8_t *nz;
	int r;

	if (expect != size)
		return tdx_diag_set(diag, -EINVAL,
				    "image is %llu bytes, the header says %llu (1 + %u sigstruct + "
				    "%u module pages)",
				    (unsigned long long)size, (unsigned long long)expect, sig_pages,
				    mod_pages);
	if (sig_pages > TDX_V2_MAX_SIGSTRUCT_PAGES)
		return tdx_diag_set(diag, -EINVAL, "sigstruct_nr_pages is %u, at most %u",
				    sig_pages, TDX_V2_MAX_SIGSTRUCT_PAGES);
	if (mod_pages > TDX_MAX_MODULE_PAGES)
		return tdx_diag_set(diag, -EINVAL, "module is %u pages, at most %u", mod_pages,
				    TDX_MAX_MODULE_PAGES);
	r = check_signature(hdr + V2_OFF_SIGNATURE, diag);
	if (r < 0)
		return r;
	nz = first_nonzero(hdr + V2_OFF_RESERVED, TDX_PAGE_SIZE - V2_OFF_RESERVED);
	if (nz)
		return tdx_diag_set(diag, -EINVAL, "reserved byte at 0x%zx is not zero",
				    (size_t)(nz - hdr));
	/* The kernel would pass these on to the P-SEAMLDR; an image without them is junk. */
	if (sig_pages == 0)
		return tdx_diag_set(diag, -EINVAL,
				    "sigstruct_nr_pages is 0, the image has no sigstruct");
	if (mod_pages == 0)
		return tdx_diag_set(diag, -EINVAL, "module_nr_pages is 0, the image has no module");
	*ret = (struct image_layout){
		.format = TDX_IMAGE_FORMAT_V2,
		.sigstruct_offset = TDX_SIGSTRUCT_OFFSET,
		.sigstruct_size = (size_t)sig_pages * TDX_PAGE_SIZE,
		.module_offset = (size_t)(1 + sig_pages) * TDX_PAGE_SIZE,
		.module_size = (size_t)mod_pages * TDX_PAGE_SIZE,
	};
	return 0;
}

/* hdr holds the first page; size is the whole image's. */
static int check_header(const uint8_t *hdr, uint64_t size, struct image_layout *ret,
			struct tdx_diag *diag)
{
	uint16_t version;
	int r;

	if (size < TDX_PAGE_SIZE)
		return tdx_diag_set(diag, -EINVAL,
				    "image is %llu bytes, smaller than the %u-byte header",
				    (unsigned long long)size, TDX_PAGE_SIZE);
	version = get_le16(hdr + IMG_OFF_VERSION);
	if (version == TDX_IMAGE_FORMAT_V1)
		r = check_v1_header(hdr, size, ret, diag);
	else if (version == TDX_IMAGE_FORMAT_V2)
		r = check_v2_header(hdr, size, ret, diag);
	else
		return tdx_diag_set(diag, -EINVAL, "image version is 0x%x, expected 0x100 or 0x200",
				    version);
	if (r < 0)
		return r;
	ret->checksum = get_le16(hdr + IMG_OFF_CHECKSUM);
	return 0;
}

int tdx_image_parse(const void *data, size_t size, struct tdx_image *ret, struct tdx_diag *diag)
{
	struct image_layout l;
	struct tdx_sigstruct_info sig;
	int r;

	r = check_header(data, size, &l, diag);
	if (r < 0)
		return r;
	r = tdx_sigstruct_parse((const uint8_t *)data + l.sigstruct_offset, l.sigstruct_size, &sig,
				diag);
	if (r < 0)
		return r;
	*ret = (struct tdx_image){
		.format = l.format,
		.data = data,
		.size = size,
		.checksum = l.checksum,
		.checksum_ok = tdx_checksum16(data, size) == 0,
		.sigstruct_offset = l.sigstruct_offset,
		.sigstruct_size = l.sigstruct_size,
		.module_offset = l.module_offset,
		.module_size = l.module_size,
		.sig = sig,
	};
	return 0;
}

static int validate_sigstruct(const struct tdx_sigstruct_info *sig, struct tdx_diag *diag)
{
	if (sig->header_type != SIG_HEADER_TYPE)
		return tdx_diag_set(diag, -EBADMSG, "sigstruct header_type is %u, expected %u",
				    sig->header_type, SIG_HEADER_TYPE);
	if (sig->module_vendor != SIG_VENDOR_INTEL)
		return tdx_diag_set(diag, -EBADMSG,
				    "sigstruct module_vendor is 0x%x, expected 0x%x",
				    sig->module_vendor, SIG_VENDOR_INTEL);
	if (sig->cpuid_count > TDX_CPUID_TABLE_MAX)
		return tdx_diag_set(diag, -EBADMSG, "sigstruct cpuid_table_size is %u, at most %u",
				    sig->cpuid_count, TDX_CPUID_TABLE_MAX);
	return 0;
}

static int validate_seamhash(const struct tdx_image *img, struct tdx_diag *diag)
{
	uint8_t hash[TDX_SHA384_SIZE];
	char want[2 * 8 + 1], got[2 * 8 + 1];
	int r;

	r = tdx_sha384(img->data + img->module_offset, img->module_size, hash);
	if (r < 0)
		return tdx_diag_set(diag, r, "cannot compute SHA-384 of the module");
	if (memcmp(hash, img->sig.seamhash, TDX_SHA384_SIZE) != 0)
		return tdx_diag_set(diag, -EBADMSG,
				    "seamhash %s... does not match the module's SHA-384 %s...",
				    tdx_hex(img->sig.seamhash, 8, want), tdx_hex(hash, 8, got));
	return 0;
}

int tdx_image_validate(const struct tdx_image *img, unsigned flags,
		       const struct tdx_trusted_keys *trusted, struct tdx_diag *diag)
{
	int r;

	if ((flags & TDX_VALIDATE_CHECKSUM) && tdx_checksum16(img->data, img->size) != 0)
		return tdx_diag_set(
			diag, -EBADMSG,
			"checksum is wrong: the 16-bit sum of the image is 0x%04x, not 0",
			tdx_checksum16(img->data, img->size));
	if (flags & TDX_VALIDATE_SIGSTRUCT) {
		r = validate_sigstruct(&img->sig, diag);
		if (r < 0)
			return r;
	}
	if (flags & TDX_VALIDATE_SEAMHASH) {
		r = validate_seamhash(img, diag);
		if (r < 0)
			return r;
	}
	/* Last: the seamhash says whether the module is the one signed for. */
	if (flags & TDX_VALIDATE_SIGNATURE)
		return tdx_signature_check(&img->sig.signature, trusted, diag);
	return 0;
}

static void write_header(uint8_t *img, enum tdx_image_format format, uint64_t sig_pages,
			 uint64_t mod_pages)
{
	put_le16(img + IMG_OFF_VERSION, (uint16_t)format);
	if (format == TDX_IMAGE_FORMAT_V1) {
		uint64_t size = TDX_PAGE_SIZE * (1 + sig_pages + mod_pages);

		put_le32(img + V1_OFF_MODULE_OFFSET, (uint32_t)(TDX_PAGE_SIZE * (1 + sig_pages)));
		memcpy(img + V1_OFF_SIGNATURE, TDX_IMAGE_SIGNATURE, TDX_IMAGE_SIGNATURE_LEN);
		put_le32(img + V1_OFF_LENGTH, (uint32_t)size);
	} else {
		memcpy(img + V2_OFF_SIGNATURE, TDX_IMAGE_SIGNATURE, TDX_IMAGE_SIGNATURE_LEN);
		put_le32(img + V2_OFF_SIG_PAGES, (uint32_t)sig_pages);
		put_le32(img + V2_OFF_MOD_PAGES, (uint32_t)mod_pages);
	}
}

int tdx_image_build(enum tdx_image_format format, const void *sigstruct, size_t sigstruct_size,
		    const void *module, size_t module_size, uint8_t **ret_data, size_t *ret_size,
		    struct tdx_diag *diag)
{
	uint64_t sig_pages = pages_for(sigstruct_size), mod_pages = pages_for(module_size);
	uint32_t max_sig_pages;
	uint8_t *img;
	size_t size;

	if (format != TDX_IMAGE_FORMAT_V1 && format != TDX_IMAGE_FORMAT_V2)
		return tdx_diag_set(diag, -EINVAL, "image format 0x%x is not 0x100 or 0x200",
				    (unsigned)format);
	max_sig_pages = format == TDX_IMAGE_FORMAT_V1 ? TDX_V1_MAX_SIGSTRUCT_PAGES
						      : TDX_V2_MAX_SIGSTRUCT_PAGES;
	if (sigstruct_size < TDX_SIGSTRUCT_SIZE)
		return tdx_diag_set(diag, -EINVAL, "sigstruct is %zu bytes, expected at least %u",
				    sigstruct_size, TDX_SIGSTRUCT_SIZE);
	if (sig_pages > max_sig_pages)
		return tdx_diag_set(diag, -EINVAL,
				    "sigstruct is %llu pages, at most %u in format %s",
				    (unsigned long long)sig_pages, max_sig_pages,
				    tdx_image_format_to_string(format));
	if (module_size == 0)
		return tdx_diag_set(diag, -EINVAL, "module is empty");
	if (mod_pages > TDX_MAX_MODULE_PAGES)
		return tdx_diag_set(diag, -EINVAL, "module is %llu pages, at most %u",
				    (unsigned long long)mod_pages, TDX_MAX_MODULE_PAGES);
	size = (size_t)(TDX_PAGE_SIZE * (1 + sig_pages + mod_pages));
	/* calloc: the header's reserved bytes and all padding must be zero. */
	img = calloc(1, size);
	if (!img)
		return -ENOMEM;
	write_header(img, format, sig_pages, mod_pages);
	memcpy(img + TDX_SIGSTRUCT_OFFSET, sigstruct, sigstruct_size);
	memcpy(img + TDX_PAGE_SIZE * (1 + sig_pages), module, module_size);
	put_le16(img + IMG_OFF_CHECKSUM, (uint16_t)(0x10000u - tdx_checksum16(img, size)));
	*ret_data = img;
	*ret_size = size;
	return 0;
}

/*
 * The sigstruct without the zero padding of its pages, so that a 0x100 image
 * with spare sigstruct pages still fits the one page 0x200 allows.
 */
static size_t sigstruct_used_size(const struct tdx_image *img)
{
	const uint8_t *sig = img->data + img->sigstruct_offset;
	size_t used = img->sigstruct_size;

	while (used > TDX_SIGSTRUCT_SIZE && sig[used - 1] == 0)
		used--;
	return used;
}

int tdx_image_convert(const struct tdx_image *img, enum tdx_image_format format, uint8_t **ret_data,
		      size_t *ret_size, struct tdx_diag *diag)
{
	if (format == img->format) {
		uint8_t *copy = malloc(img->size);

		if (!copy)
			return -ENOMEM;
		memcpy(copy, img->data, img->size);
		*ret_data = copy;
		*ret_size = img->size;
		return 0;
	}
	return tdx_image_build(format, img->data + img->sigstruct_offset, sigstruct_used_size(img),
			       img->data + img->module_offset, img->module_size, ret_data, ret_size,
			       diag);
}

static int pread_full(int fd, void *buf, size_t size, off_t offset)
{
	uint8_t *p = buf;

	while (size > 0) {
		ssize_t n = pread(fd, p, size, offset);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return negative_errno();
		}
		if (n == 0)
			return -EBADMSG;
		p += n;
		size -= (size_t)n;
		offset += n;
	}
	return 0;
}

int tdx_image_fd_read_sigstruct(int fd, const struct stat *st, enum tdx_image_format *ret_format,
				uint64_t *ret_size, uint8_t ret_sig[TDX_SIGSTRUCT_SIZE],
				struct tdx_diag *diag)
{
	/* The sigstruct starts right after the header page in both formats. */
	uint8_t buf[TDX_SIGSTRUCT_OFFSET + TDX_SIGSTRUCT_SIZE];
	uint64_t size = (uint64_t)st->st_size;
	struct image_layout l;
	int r;

	if (size < TDX_PAGE_SIZE)
		return check_header(NULL, size, &l, diag);
	/* One read for header and sigstruct; the module is never read. */
	r = pread_full(fd, buf, size < sizeof(buf) ? TDX_PAGE_SIZE : sizeof(buf), 0);
	if (r < 0)
		return tdx_diag_set(diag, r, "cannot read the header: %s", strerror(-r));
	r = check_header(buf, size, &l, diag);
	if (r < 0)
		return r;
	if (l.sigstruct_offset != TDX_SIGSTRUCT_OFFSET || size < sizeof(buf))
		return tdx_diag_set(diag, -EBADMSG, "cannot read the sigstruct: %s",
				    strerror(EBADMSG));
	*ret_format = l.format;
	*ret_size = size;
	memcpy(ret_sig, buf + TDX_SIGSTRUCT_OFFSET, TDX_SIGSTRUCT_SIZE);
	return 0;
}

int tdx_image_file_read_sigstruct(const char *path, enum tdx_image_format *ret_format,
				  uint64_t *ret_size, uint8_t ret_sig[TDX_SIGSTRUCT_SIZE],
				  struct tdx_diag *diag)
{
	_cleanup_close_ int fd = -EBADF;
	struct stat st;

	fd = tdx_file_open_regular(path, &st, diag);
	if (fd < 0)
		return fd;
	return tdx_image_fd_read_sigstruct(fd, &st, ret_format, ret_size, ret_sig, diag);
}

int tdx_image_file_peek(const char *path, enum tdx_image_format *ret_format, uint64_t *ret_size,
			struct tdx_sigstruct_info *ret_sig, struct tdx_diag *diag)
{
	uint8_t sig[TDX_SIGSTRUCT_SIZE];
	struct tdx_sigstruct_info info;
	enum tdx_image_format format;
	uint64_t size;
	int r;

	r = tdx_image_file_read_sigstruct(path, &format, &size, sig, diag);
	if (r < 0)
		return r;
	r = tdx_sigstruct_peek(sig, sizeof(sig), &info, diag);
	if (r < 0)
		return r;
	*ret_format = format;
	*ret_size = size;
	*ret_sig = info;
	return 0;
}
