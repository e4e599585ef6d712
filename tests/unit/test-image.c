// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Image formats: every kernel header rule (a valid synthetic image corrupted
 * one field at a time), the extra validation, byte-exact building and
 * conversion, header-only peeking, and the file helpers.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include <tdx/hash.h>
#include <tdx/image.h>
#include "src/lib/image-layout.h"
#include "synth.h"

#define PAGE TDX_PAGE_SIZE

/* The test signing key: what synth_module_build() signs with. */
static struct tdx_trusted_keys test_keys;

static const struct synth_module_spec spec_1506 = {
	.version = {1, 5, 6},
	.module_pages = 3,
};

static void build(enum tdx_image_format fmt, const struct synth_module_spec *spec, uint8_t **data,
		  size_t *size)
{
	uint8_t sig[TDX_SIGSTRUCT_SIZE];
	uint8_t *bin;
	size_t bin_size;

	assert_int_equal(synth_module_build(spec, &bin, &bin_size, sig), 0);
	assert_int_equal(tdx_image_build(fmt, sig, sizeof(sig), bin, bin_size, data, size, NULL),
			 0);
	free(bin);
}

/* Re-establishes the checksum after a corruption so only one rule breaks. */
static void fix_checksum(uint8_t *img, size_t size)
{
	put_le16(img + IMG_OFF_CHECKSUM, 0);
	put_le16(img + IMG_OFF_CHECKSUM, (uint16_t)(0x10000u - tdx_checksum16(img, size)));
}

static void resize(uint8_t **img, size_t *size, size_t new_size)
{
	uint8_t *p = realloc(*img, new_size);

	assert_non_null(p);
	if (new_size > *size)
		memset(p + *size, 0, new_size - *size);
	*img = p;
	*size = new_size;
}

/* Mutators: each breaks exactly one thing. */
static void m_version(uint8_t **d, size_t *s)
{
	put_le16(*d, 0x300);
}
static void m_tiny(uint8_t **d, size_t *s)
{
	resize(d, s, 100);
}
static void m_v1_offset_past_end(uint8_t **d, size_t *s)
{
	put_le32(*d + V1_OFF_MODULE_OFFSET, (uint32_t)*s);
}
static void m_v1_reserved0(uint8_t **d, size_t *s)
{
	put_le32(*d + V1_OFF_RESERVED0, 1);
}
static void m_reserved_0x800(uint8_t **d, size_t *s)
{
	(*d)[0x800] = 0x5a;
}
static void m_v1_no_sigstruct(uint8_t **d, size_t *s)
{
	put_le32(*d + V1_OFF_MODULE_OFFSET, PAGE);
}
static void m_v1_length(uint8_t **d, size_t *s)
{
	put_le32(*d + V1_OFF_LENGTH, (uint32_t)*s + 1);
}
static void m_v1_signature(uint8_t **d, size_t *s)
{
	(*d)[V1_OFF_SIGNATURE + 7] = 'C';
}
static void m_v2_signature(uint8_t **d, size_t *s)
{
	(*d)[V2_OFF_SIGNATURE] = 't';
}

static void m_v1_module_497(uint8_t **d, size_t *s)
{
	resize(d, s, 2 * PAGE + 497 * PAGE);
	put_le32(*d + V1_OFF_LENGTH, (uint32_t)*s);
}

static void m_v1_sigstruct_5_pages(uint8_t **d, size_t *s)
{
	resize(d, s, 6 * PAGE + PAGE);
	put_le32(*d + V1_OFF_MODULE_OFFSET, 6 * PAGE);
	put_le32(*d + V1_OFF_LENGTH, (uint32_t)*s);
}

static void m_v1_offset_unaligned(uint8_t **d, size_t *s)
{
	put_le32(*d + V1_OFF_MODULE_OFFSET, 0x2800);
}

static void m_v1_module_unaligned(uint8_t **d, size_t *s)
{
	resize(d, s, *s + 100);
	put_le32(*d + V1_OFF_LENGTH, (uint32_t)*s);
}

static void m_v2_short(uint8_t **d, size_t *s)
{
	resize(d, s, *s - PAGE);
}

static void m_v2_two_sig_pages(uint8_t **d, size_t *s)
{
	resize(d, s, *s + PAGE);
	put_le32(*d + V2_OFF_SIG_PAGES, 2);
}

static void m_v2_module_497(uint8_t **d, size_t *s)
{
	resize(d, s, (1 + 1 + 497) * PAGE);
	put_le32(*d + V2_OFF_MOD_PAGES, 497);
}

static void m_v2_no_sig_pages(uint8_t **d, size_t *s)
{
	resize(d, s, *s - PAGE);
	put_le32(*d + V2_OFF_SIG_PAGES, 0);
}

static void m_v2_no_mod_pages(uint8_t **d, size_t *s)
{
	resize(d, s, 2 * PAGE);
	put_le32(*d + V2_OFF_MOD_PAGES, 0);
}

static void m_cpuid_256(uint8_t **d, size_t *s)
{
	put_le32(*d + TDX_SIGSTRUCT_OFFSET + SIG_OFF_CPUID_COUNT, 256);
}

static const struct corruption {
	const char *name;
	enum tdx_image_format fmt;
	void (*mutate)(uint8_t **d, size_t *s);
	int ret;
	const char *diag;
} parse_cases[] = {
	{"v1 version", TDX_IMAGE_FORMAT_V1, m_version, -EINVAL, "image version is 0x300"},
	{"v1 tiny", TDX_IMAGE_FORMAT_V1, m_tiny, -EINVAL, "smaller than the 4096-byte header"},
	{"v1 offset", TDX_IMAGE_FORMAT_V1, m_v1_offset_past_end, -EINVAL, "is not inside the"},
	{"v1 reserved0", TDX_IMAGE_FORMAT_V1, m_v1_reserved0, -EINVAL, "reserved0 is 0x1"},
	{"v1 reserved1", TDX_IMAGE_FORMAT_V1, m_reserved_0x800, -EINVAL,
	 "reserved1 byte at 0x800 is not zero"},
	{"v1 no sigstruct", TDX_IMAGE_FORMAT_V1, m_v1_no_sigstruct, -EINVAL,
	 "leaves no room for a sigstruct"},
	{"v1 length", TDX_IMAGE_FORMAT_V1, m_v1_length, -EINVAL, "length field is"},
	{"v1 signature", TDX_IMAGE_FORMAT_V1, m_v1_signature, -EINVAL,
	 "signature is not \"TDX-BLOB\""},
	{"v1 497 pages", TDX_IMAGE_FORMAT_V1, m_v1_module_497, -EINVAL,
	 "module is 497 pages, at most 496"},
	{"v1 sigstruct 5 pages", TDX_IMAGE_FORMAT_V1, m_v1_sigstruct_5_pages, -EINVAL,
	 "sigstruct is 5 pages, at most 4"},
	{"v1 offset unaligned", TDX_IMAGE_FORMAT_V1, m_v1_offset_unaligned, -EINVAL,
	 "offset_of_module 0x2800 is not page aligned"},
	{"v1 module unaligned", TDX_IMAGE_FORMAT_V1, m_v1_module_unaligned, -EINVAL,
	 "not a multiple of 4096"},
	{"v1 cpuid count", TDX_IMAGE_FORMAT_V1, m_cpuid_256, -EBADMSG,
	 "cpuid_table_size is 256, at most 255"},
	{"v2 version", TDX_IMAGE_FORMAT_V2, m_version, -EINVAL, "image version is 0x300"},
	{"v2 tiny", TDX_IMAGE_FORMAT_V2, m_tiny, -EINVAL, "smaller than the 4096-byte header"},
	{"v2 length", TDX_IMAGE_FORMAT_V2, m_v2_short, -EINVAL,
	 "image is 16384 bytes, the header says 20480 (1 + 1 sigstruct + 3 module pages)"},
	{"v2 sig pages", TDX_IMAGE_FORMAT_V2, m_v2_two_sig_pages, -EINVAL,
	 "sigstruct_nr_pages is 2, at most 1"},
	{"v2 497 pages", TDX_IMAGE_FORMAT_V2, m_v2_module_497, -EINVAL,
	 "module is 497 pages, at most 496"},
	{"v2 signature", TDX_IMAGE_FORMAT_V2, m_v2_signature, -EINVAL,
	 "signature is not \"TDX-BLOB\""},
	{"v2 reserved", TDX_IMAGE_FORMAT_V2, m_reserved_0x800, -EINVAL,
	 "reserved byte at 0x800 is not zero"},
	{"v2 no sigstruct", TDX_IMAGE_FORMAT_V2, m_v2_no_sig_pages, -EINVAL,
	 "sigstruct_nr_pages is 0"},
	{"v2 no module", TDX_IMAGE_FORMAT_V2, m_v2_no_mod_pages, -EINVAL, "module_nr_pages is 0"},
	{"v2 cpuid count", TDX_IMAGE_FORMAT_V2, m_cpuid_256, -EBADMSG,
	 "cpuid_table_size is 256, at most 255"},
};

static void test_parse_corruptions(void **state)
{
	for (size_t i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++) {
		const struct corruption *c = &parse_cases[i];
		struct tdx_image img = {.format = 12345};
		struct tdx_diag diag = {};
		uint8_t *data;
		size_t size;

		print_message("case: %s\n", c->name);
		build(c->fmt, &spec_1506, &data, &size);
		/* The untouched image is valid, so the failure below is the mutation's. */
		assert_int_equal(tdx_image_parse(data, size, &img, NULL), 0);
		img.format = 12345;
		c->mutate(&data, &size);
		fix_checksum(data, size < 4 ? 4 : size);
		assert_int_equal(tdx_image_parse(data, size, &img, &diag), c->ret);
		print_message("  diag: %s\n", diag.msg);
		assert_non_null(strstr(diag.msg, c->diag));
		assert_int_equal(img.format, 12345);
		free(data);
	}
}

static void m_flip_checksum(uint8_t *d, size_t s)
{
	d[IMG_OFF_CHECKSUM] ^= 1;
}
/* Re-signed, so that only the sigstruct check catches them. */
static void m_header_type(uint8_t *d, size_t s)
{
	put_le32(d + TDX_SIGSTRUCT_OFFSET, 5);
	assert_int_equal(synth_sign_sigstruct(d + TDX_SIGSTRUCT_OFFSET), 0);
}
static void m_vendor(uint8_t *d, size_t s)
{
	put_le32(d + TDX_SIGSTRUCT_OFFSET + SIG_OFF_MODULE_VENDOR, 0x1022);
	assert_int_equal(synth_sign_sigstruct(d + TDX_SIGSTRUCT_OFFSET), 0);
}
/* A signed field changed after signing: only the signature catches it. */
static void m_signed_date(uint8_t *d, size_t s)
{
	d[TDX_SIGSTRUCT_OFFSET + SIG_OFF_DATE] ^= 0x01;
}
static void m_module_byte(uint8_t *d, size_t s)
{
	d[s - 1] ^= 0xff;
}

static const struct {
	const char *name;
	void (*mutate)(uint8_t *d, size_t s);
	bool keep_checksum_broken;
	unsigned flags;
	const char *diag;
} validate_cases[] = {
	{"checksum", m_flip_checksum, true, TDX_VALIDATE_CHECKSUM, "checksum is wrong"},
	{"header_type", m_header_type, false, TDX_VALIDATE_SIGSTRUCT,
	 "sigstruct header_type is 5, expected 6"},
	{"vendor", m_vendor, false, TDX_VALIDATE_SIGSTRUCT, "module_vendor is 0x1022"},
	{"seamhash", m_module_byte, false, TDX_VALIDATE_SEAMHASH,
	 "does not match the module's SHA-384"},
	{"seamhash via ALL", m_module_byte, false, TDX_VALIDATE_ALL,
	 "does not match the module's SHA-384"},
	{"signature", m_signed_date, false, TDX_VALIDATE_SIGNATURE, "signature does not verify"},
};

static void test_validate_corruptions(void **state)
{
	for (int f = 0; f < 2; f++) {
		enum tdx_image_format fmt = f ? TDX_IMAGE_FORMAT_V2 : TDX_IMAGE_FORMAT_V1;

		for (size_t i = 0; i < sizeof(validate_cases) / sizeof(validate_cases[0]); i++) {
			struct tdx_diag diag = {};
			struct tdx_image img;
			uint8_t *data;
			size_t size;

			print_message("case: %s %s\n", tdx_image_format_to_string(fmt),
				      validate_cases[i].name);
			build(fmt, &spec_1506, &data, &size);
			assert_int_equal(tdx_image_parse(data, size, &img, NULL), 0);
			assert_int_equal(
				tdx_image_validate(&img, TDX_VALIDATE_ALL, &test_keys, NULL), 0);
			validate_cases[i].mutate(data, size);
			if (!validate_cases[i].keep_checksum_broken)
				fix_checksum(data, size);
			assert_int_equal(tdx_image_parse(data, size, &img, NULL), 0);
			assert_int_equal(img.checksum_ok, !validate_cases[i].keep_checksum_broken);
			assert_int_equal(tdx_image_validate(&img, validate_cases[i].flags,
							    &test_keys, &diag),
					 -EBADMSG);
			assert_non_null(strstr(diag.msg, validate_cases[i].diag));
			/* Without that check the same image passes. */
			assert_int_equal(tdx_image_validate(
						 &img, TDX_VALIDATE_ALL & ~validate_cases[i].flags,
						 &test_keys, NULL),
					 0);
			free(data);
		}
	}
}

static void test_build_layout(void **state)
{
	struct synth_module_spec spec = {.version = {1, 5, 8}, .module_pages = 2};
	uint8_t sig[TDX_SIGSTRUCT_SIZE], *bin, *v1, *v2;
	size_t bin_size, v1_size, v2_size;
	struct tdx_image img;

	assert_int_equal(synth_module_build(&spec, &bin, &bin_size, sig), 0);
	/* An odd-sized module must be zero-padded to a whole page. */
	bin_size -= 100;
	assert_int_equal(tdx_image_build(TDX_IMAGE_FORMAT_V1, sig, sizeof(sig), bin, bin_size, &v1,
					 &v1_size, NULL),
			 0);
	assert_int_equal(v1_size, 4 * PAGE);
	assert_int_equal(get_le16(v1), 0x100);
	assert_int_equal(get_le32(v1 + V1_OFF_MODULE_OFFSET), 0x2000);
	assert_int_equal(get_le32(v1 + V1_OFF_LENGTH), v1_size);
	assert_memory_equal(v1 + V1_OFF_SIGNATURE, "TDX-BLOB", 8);
	assert_memory_equal(v1 + 0x1000, sig, sizeof(sig));
	assert_memory_equal(v1 + 0x2000, bin, bin_size);
	for (size_t i = 0x2000 + bin_size; i < v1_size; i++)
		assert_int_equal(v1[i], 0);
	for (size_t i = 0x1800; i < 0x2000; i++)
		assert_int_equal(v1[i], 0);
	assert_int_equal(tdx_checksum16(v1, v1_size), 0);

	assert_int_equal(tdx_image_build(TDX_IMAGE_FORMAT_V2, sig, sizeof(sig), bin, bin_size, &v2,
					 &v2_size, NULL),
			 0);
	assert_int_equal(v2_size, 4 * PAGE);
	assert_int_equal(get_le16(v2), 0x200);
	assert_memory_equal(v2 + V2_OFF_SIGNATURE, "TDX-BLOB", 8);
	assert_int_equal(get_le32(v2 + V2_OFF_SIG_PAGES), 1);
	assert_int_equal(get_le32(v2 + V2_OFF_MOD_PAGES), 2);
	assert_int_equal(tdx_checksum16(v2, v2_size), 0);
	assert_int_equal(tdx_image_parse(v2, v2_size, &img, NULL), 0);
	assert_true(img.checksum_ok);
	assert_int_equal(img.module_offset, 0x2000);
	assert_int_equal(img.module_size, 2 * PAGE);
	assert_int_equal(img.sigstruct_size, PAGE);
	free(bin);
	free(v1);
	free(v2);
}

static void test_convert_round_trip(void **state)
{
	uint8_t *v1, *v2, *conv2, *conv1, *copy;
	size_t v1_size, v2_size, conv2_size, conv1_size, copy_size;
	struct tdx_image img1, img2;

	build(TDX_IMAGE_FORMAT_V1, &spec_1506, &v1, &v1_size);
	build(TDX_IMAGE_FORMAT_V2, &spec_1506, &v2, &v2_size);
	assert_int_equal(tdx_image_parse(v1, v1_size, &img1, NULL), 0);
	assert_int_equal(tdx_image_convert(&img1, TDX_IMAGE_FORMAT_V2, &conv2, &conv2_size, NULL),
			 0);
	assert_int_equal(conv2_size, v2_size);
	assert_memory_equal(conv2, v2, v2_size);
	assert_int_equal(tdx_image_parse(conv2, conv2_size, &img2, NULL), 0);
	assert_int_equal(tdx_image_convert(&img2, TDX_IMAGE_FORMAT_V1, &conv1, &conv1_size, NULL),
			 0);
	assert_int_equal(conv1_size, v1_size);
	assert_memory_equal(conv1, v1, v1_size);
	/* Same format: a copy, not the same buffer. */
	assert_int_equal(tdx_image_convert(&img1, TDX_IMAGE_FORMAT_V1, &copy, &copy_size, NULL), 0);
	assert_ptr_not_equal(copy, v1);
	assert_int_equal(copy_size, v1_size);
	assert_memory_equal(copy, v1, v1_size);
	free(v1);
	free(v2);
	free(conv1);
	free(conv2);
	free(copy);
}

/* A 0x100 image with a spare zero sigstruct page (offset_of_module 0x3000) still fits 0x200. */
static void test_convert_trims_sigstruct_padding(void **state)
{
	uint8_t sig[2 * PAGE] = {}, *bin, *v1, *v2, *direct;
	size_t bin_size, v1_size, v2_size, direct_size;
	struct tdx_image img;

	assert_int_equal(synth_module_build(&spec_1506, &bin, &bin_size, sig), 0);
	assert_int_equal(tdx_image_build(TDX_IMAGE_FORMAT_V1, sig, sizeof(sig), bin, bin_size, &v1,
					 &v1_size, NULL),
			 0);
	assert_int_equal(get_le32(v1 + V1_OFF_MODULE_OFFSET), 0x3000);
	assert_int_equal(tdx_image_parse(v1, v1_size, &img, NULL), 0);
	assert_int_equal(img.sigstruct_size, 2 * PAGE);
	assert_int_equal(tdx_image_convert(&img, TDX_IMAGE_FORMAT_V2, &v2, &v2_size, NULL), 0);
	assert_int_equal(tdx_image_build(TDX_IMAGE_FORMAT_V2, sig, TDX_SIGSTRUCT_SIZE, bin,
					 bin_size, &direct, &direct_size, NULL),
			 0);
	assert_int_equal(v2_size, direct_size);
	assert_memory_equal(v2, direct, direct_size);
	free(bin);
	free(v1);
	free(v2);
	free(direct);
}

static void test_build_limits(void **state)
{
	static uint8_t module[497 * PAGE];
	uint8_t sig[2 * PAGE] = {}, *data = NULL;
	struct tdx_diag diag = {};
	size_t size = 0;

	assert_int_equal(tdx_image_build(TDX_IMAGE_FORMAT_V2, sig, TDX_SIGSTRUCT_SIZE, module,
					 sizeof(module), &data, &size, &diag),
			 -EINVAL);
	assert_string_equal(diag.msg, "module is 497 pages, at most 496");
	assert_null(data);
	assert_int_equal(tdx_image_build(TDX_IMAGE_FORMAT_V1, sig, TDX_SIGSTRUCT_SIZE, module,
					 496 * PAGE + 1, &data, &size, &diag),
			 -EINVAL);
	assert_string_equal(diag.msg, "module is 497 pages, at most 496");
	assert_int_equal(tdx_image_build(TDX_IMAGE_FORMAT_V2, sig, sizeof(sig), module, PAGE, &data,
					 &size, &diag),
			 -EINVAL);
	assert_string_equal(diag.msg, "sigstruct is 2 pages, at most 1 in format 0x200");
	assert_int_equal(
		tdx_image_build(TDX_IMAGE_FORMAT_V1, sig, 1000, module, PAGE, &data, &size, &diag),
		-EINVAL);
	assert_non_null(strstr(diag.msg, "sigstruct is 1000 bytes"));
	assert_int_equal(tdx_image_build(TDX_IMAGE_FORMAT_V1, sig, TDX_SIGSTRUCT_SIZE, module, 0,
					 &data, &size, &diag),
			 -EINVAL);
	assert_string_equal(diag.msg, "module is empty");
	assert_int_equal(
		tdx_image_build(0x300, sig, TDX_SIGSTRUCT_SIZE, module, PAGE, &data, &size, &diag),
		-EINVAL);
	assert_null(data);
	/* The largest module both kernels take. */
	assert_int_equal(tdx_image_build(TDX_IMAGE_FORMAT_V2, sig, TDX_SIGSTRUCT_SIZE, module,
					 496 * PAGE, &data, &size, NULL),
			 0);
	assert_int_equal(size, (1 + 1 + 496) * PAGE);
	free(data);
}

static void test_sigstruct_fields(void **state)
{
	struct synth_module_spec spec = {
		.version = {1, 5, 20},
		.debug = true,
		.seam_svn = 0x010c,
		.date = 0x20260301,
		.cpuids = {0x806f8, 0xc06f0},
	};
	uint8_t hash[TDX_SHA384_SIZE], sig[TDX_SIGSTRUCT_SIZE], *bin, *data;
	size_t bin_size, size;
	struct tdx_image img;

	assert_int_equal(synth_module_build(&spec, &bin, &bin_size, sig), 0);
	assert_int_equal(bin_size, 4 * PAGE); /* default module_pages */
	assert_int_equal(tdx_image_build(TDX_IMAGE_FORMAT_V2, sig, sizeof(sig), bin, bin_size,
					 &data, &size, NULL),
			 0);
	assert_int_equal(tdx_image_parse(data, size, &img, NULL), 0);
	assert_true(img.sig.debug);
	assert_int_equal(img.sig.module_type, 0x80000000u);
	assert_int_equal(img.sig.header_type, 6);
	assert_int_equal(img.sig.module_vendor, 0x8086);
	assert_int_equal(img.sig.date, 0x20260301);
	assert_int_equal(img.sig.seam_svn, 0x010c);
	assert_int_equal(img.sig.cpuid_count, 2);
	assert_int_equal(img.sig.cpuid_table[1], 0xc06f0);
	assert_int_equal(tdx_sha384(bin, bin_size, hash), 0);
	assert_memory_equal(img.sig.seamhash, hash, sizeof(hash));
	assert_int_equal(tdx_image_validate(&img, TDX_VALIDATE_ALL, &test_keys, NULL), 0);
	free(bin);
	free(data);
}

static void test_checksum16(void **state)
{
	static const uint8_t odd[] = {0x01, 0x02, 0x03};
	static const uint8_t wrap[] = {0xff, 0xff, 0x02, 0x00};

	assert_int_equal(tdx_checksum16(odd, sizeof(odd)), 0x0204);
	assert_int_equal(tdx_checksum16(wrap, sizeof(wrap)), 0x0001);
	assert_int_equal(tdx_checksum16(odd, 0), 0);
}

static void test_format_strings(void **state)
{
	static const struct {
		const char *s;
		int ret;
		enum tdx_image_format f;
	} cases[] = {
		{"0x100", 0, TDX_IMAGE_FORMAT_V1},
		{"100", 0, TDX_IMAGE_FORMAT_V1},
		{"1", 0, TDX_IMAGE_FORMAT_V1},
		{"0x200", 0, TDX_IMAGE_FORMAT_V2},
		{"200", 0, TDX_IMAGE_FORMAT_V2},
		{"2", 0, TDX_IMAGE_FORMAT_V2},
		{"0x300", -EINVAL, 0},
		{"", -EINVAL, 0},
		{"0x1000", -EINVAL, 0},
		{"v2", -EINVAL, 0},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum tdx_image_format f = 7;

		assert_int_equal(tdx_image_format_from_string(cases[i].s, &f), cases[i].ret);
		assert_int_equal(f, cases[i].ret == 0 ? cases[i].f : 7);
	}
	assert_string_equal(tdx_image_format_to_string(TDX_IMAGE_FORMAT_V1), "0x100");
	assert_string_equal(tdx_image_format_to_string(TDX_IMAGE_FORMAT_V2), "0x200");
}

static char tmpdir[] = "/tmp/test-image-XXXXXX";

static int setup_tmpdir(void **state)
{
	if (synth_trusted_keys(&test_keys) < 0)
		return -1;
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown_tmpdir(void **state)
{
	return synth_remove_tree(tmpdir) == 0 ? 0 : -1;
}

static void write_file(const char *path, const void *data, size_t size)
{
	assert_int_equal(tdx_file_write_atomic(path, data, size, 0644), 0);
}

static void test_file_peek(void **state)
{
	char path[128];
	struct tdx_sigstruct_info sig = {};
	enum tdx_image_format fmt = 0;
	struct tdx_diag diag = {};
	uint64_t size = 0;
	uint8_t *data;
	size_t data_size;

	build(TDX_IMAGE_FORMAT_V1, &spec_1506, &data, &data_size);
	/* Garbage module bytes: a peek never looks at them. */
	memset(data + 0x2000, 0xee, data_size - 0x2000);
	snprintf(path, sizeof(path), "%s/peek.blob", tmpdir);
	write_file(path, data, data_size);
	assert_int_equal(tdx_image_file_peek(path, &fmt, &size, &sig, &diag), 0);
	assert_int_equal(fmt, TDX_IMAGE_FORMAT_V1);
	assert_int_equal(size, data_size);
	assert_int_equal(sig.cpuid_table[0], SYNTH_CPU_SPR);
	assert_int_equal(sig.seam_svn, 0x0506);

	/* A header that lies about the length is caught from the file size alone. */
	write_file(path, data, data_size - PAGE);
	fmt = 0;
	assert_int_equal(tdx_image_file_peek(path, &fmt, &size, &sig, &diag), -EINVAL);
	assert_non_null(strstr(diag.msg, "length field is"));
	assert_int_equal(fmt, 0);

	write_file(path, data, 10);
	assert_int_equal(tdx_image_file_peek(path, &fmt, &size, &sig, &diag), -EINVAL);
	assert_non_null(strstr(diag.msg, "smaller than the 4096-byte header"));

	snprintf(path, sizeof(path), "%s/missing.blob", tmpdir);
	assert_int_equal(tdx_image_file_peek(path, &fmt, &size, &sig, &diag), -ENOENT);
	assert_string_equal(diag.msg, "cannot open: No such file or directory");
	free(data);
}

static void test_file_read_all(void **state)
{
	static const char text[] = "hello, world\n";
	char path[128];
	struct tdx_diag diag = {};
	uint8_t *data = NULL;
	size_t size = 0;
	struct stat st;

	snprintf(path, sizeof(path), "%s/text", tmpdir);
	assert_int_equal(tdx_file_write_atomic(path, text, strlen(text), 0600), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(tdx_file_read_all(path, 1024, &data, &size, &diag), 0);
	assert_int_equal(size, strlen(text));
	assert_string_equal((char *)data, text); /* NUL-terminated for text users */
	free(data);
	data = NULL;

	assert_int_equal(tdx_file_read_all(path, 5, &data, &size, &diag), -EFBIG);
	assert_string_equal(diag.msg, "file is larger than the 5-byte limit");
	assert_null(data);
	/* Exactly at the cap is fine. */
	assert_int_equal(tdx_file_read_all(path, strlen(text), &data, &size, NULL), 0);
	free(data);
	data = NULL;

	assert_int_equal(tdx_file_read_all(tmpdir, 1024, &data, &size, &diag), -EISDIR);
	snprintf(path, sizeof(path), "%s/nope", tmpdir);
	assert_int_equal(tdx_file_read_all(path, 1024, &data, &size, &diag), -ENOENT);
	assert_string_equal(diag.msg, "cannot open: No such file or directory");

	/* procfs reports size 0: the loop must read to EOF anyway. */
	assert_int_equal(tdx_file_read_all("/proc/self/status", 1 << 20, &data, &size, NULL), 0);
	assert_true(size > 0);
	assert_non_null(strstr((char *)data, "Name:"));
	free(data);
	data = NULL;
	assert_int_equal(tdx_file_read_all("/proc/self/status", 8, &data, &size, &diag), -EFBIG);
	assert_null(data);
	/* sysfs claims 4096 bytes for every attribute: the cap is on the real content. */
	assert_int_equal(
		tdx_file_read_all("/sys/devices/system/cpu/online", 64, &data, &size, &diag), 0);
	assert_true(size > 0 && size < 64);
	assert_int_equal(data[size - 1], '\n');
	free(data);
}

static void test_write_atomic_replaces(void **state)
{
	char path[128];
	struct dirent *de;
	uint8_t *data;
	size_t size;
	DIR *d;

	snprintf(path, sizeof(path), "%s/replace", tmpdir);
	write_file(path, "first", 5);
	write_file(path, "2nd", 3);
	assert_int_equal(tdx_file_read_all(path, 100, &data, &size, NULL), 0);
	assert_int_equal(size, 3);
	assert_memory_equal(data, "2nd", 3);
	free(data);
	/* No temp file left behind. */
	d = opendir(tmpdir);
	assert_non_null(d);
	while ((de = readdir(d)))
		assert_true(strncmp(de->d_name, ".#", 2) != 0);
	closedir(d);
	snprintf(path, sizeof(path), "%s/no/such/dir/file", tmpdir);
	assert_int_equal(tdx_file_write_atomic(path, "x", 1, 0644), -ENOENT);
}

/* Intel's key alone: a valid signature by the test key is refused as untrusted. */
static void test_validate_untrusted_key(void **state)
{
	struct tdx_trusted_keys intel;
	struct tdx_diag diag = {};
	struct tdx_image img;
	uint8_t *data;
	size_t size;

	tdx_trusted_keys_default(&intel);
	build(TDX_IMAGE_FORMAT_V2, &spec_1506, &data, &size);
	assert_int_equal(tdx_image_parse(data, size, &img, NULL), 0);
	assert_int_equal(img.sig.signature.status, TDX_SIGNATURE_VALID);
	assert_int_equal(tdx_image_validate(&img, TDX_VALIDATE_ALL, &intel, &diag), -EKEYREJECTED);
	assert_non_null(strstr(diag.msg, "is not trusted"));
	assert_int_equal(tdx_image_validate(&img, TDX_VALIDATE_ALL, NULL, NULL), -EKEYREJECTED);
	assert_int_equal(tdx_image_validate(&img, TDX_VALIDATE_ALL, &test_keys, NULL), 0);
	free(data);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_corruptions),
		cmocka_unit_test(test_validate_corruptions),
		cmocka_unit_test(test_validate_untrusted_key),
		cmocka_unit_test(test_build_layout),
		cmocka_unit_test(test_convert_round_trip),
		cmocka_unit_test(test_convert_trims_sigstruct_padding),
		cmocka_unit_test(test_build_limits),
		cmocka_unit_test(test_sigstruct_fields),
		cmocka_unit_test(test_checksum16),
		cmocka_unit_test(test_format_strings),
		cmocka_unit_test(test_file_peek),
		cmocka_unit_test(test_file_read_all),
		cmocka_unit_test(test_write_atomic_replaces),
	};

	return cmocka_run_group_tests(tests, setup_tmpdir, teardown_tmpdir);
}
