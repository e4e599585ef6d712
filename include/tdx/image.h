/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * TDX module images ("blobs") in the two published formats and the SEAM
 * SIGSTRUCT inside them. Layouts: shared/research/kernel-abi.md §2 and
 * tdx-module-binaries.md §1.
 *
 *  0x100: u16 version, u16 checksum, u32 offset_of_module, "TDX-BLOB", u32 length,
 *         u32 reserved0, 4072 reserved bytes; sigstruct at 0x1000; module at
 *         offset_of_module (page aligned) to the end.
 *  0x200: u16 version, u16 checksum, "TDX-BLOB", u32 sigstruct_nr_pages,
 *         u32 module_nr_pages, 4076 reserved bytes; sigstruct pages; module pages.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include <tdx/diag.h>
#include <tdx/signature.h>
#include <tdx/version.h>

#define TDX_PAGE_SIZE		   4096u
#define TDX_MAX_MODULE_PAGES	   496u
#define TDX_V1_MAX_SIGSTRUCT_PAGES 4u /* v4..v8 kernels */
#define TDX_V2_MAX_SIGSTRUCT_PAGES 1u /* mainline */
#define TDX_SIGSTRUCT_SIZE	   2048u
#define TDX_SIGSTRUCT_OFFSET	   0x1000u
#define TDX_SEAMHASH_SIZE	   48u
#define TDX_CPUID_TABLE_MAX	   255u
/* Largest image either kernel accepts: header + 4 sigstruct pages + 496 module pages. */
#define TDX_IMAGE_MAX_SIZE \
	((1u + TDX_V1_MAX_SIGSTRUCT_PAGES + TDX_MAX_MODULE_PAGES) * TDX_PAGE_SIZE)
#define TDX_CPU_SIGNATURE_MASK 0xfffffff0u /* stepping ignored */

enum tdx_image_format {
	TDX_IMAGE_FORMAT_INVALID = 0,
	TDX_IMAGE_FORMAT_V1 = 0x100,
	TDX_IMAGE_FORMAT_V2 = 0x200,
};

/* The fields of the 2 KiB SEAM SIGSTRUCT that policy and reporting use. */
struct tdx_sigstruct_info {
	uint32_t header_type;	/* 6 */
	uint32_t header_length; /* 0xe1 */
	uint32_t header_version;
	uint32_t module_type; /* bit 31: debug-signed */
	bool debug;
	uint32_t module_vendor;		     /* 0x8086 */
	uint32_t date;			     /* BCD 0xYYYYMMDD */
	uint16_t seam_svn;		     /* high byte major SVN, low byte minor SVN */
	uint8_t seamhash[TDX_SEAMHASH_SIZE]; /* SHA-384 of the module = MRSEAM */
	uint32_t cpuid_count;
	uint32_t cpuid_table[TDX_CPUID_TABLE_MAX]; /* CPUID.1.EAX values, stepping included */
	struct tdx_signature signature;		   /* verified when parsed; trust is separate */
};

/*
 * The sigstruct fields policy and listings use, with the cpuid table by
 * pointer: what a module store keeps per entry (the inline 255-slot table is
 * 1 KB, mostly empty; 10,000 entries carried 10 MB of it).
 */
struct tdx_sigstruct_summary {
	bool debug;
	uint32_t date;
	uint16_t seam_svn;
	uint8_t seamhash[TDX_SEAMHASH_SIZE];
	uint32_t cpuid_count;
	const uint32_t *cpuid_table; /* cpuid_count values; who owns them says where it is kept */
	struct tdx_signature signature;
};

/* A parsed image. Points into the caller's buffer; owns nothing. */
struct tdx_image {
	enum tdx_image_format format;
	const uint8_t *data;
	size_t size;
	uint16_t checksum; /* header field */
	bool checksum_ok;  /* 16-bit LE sum of the whole image is zero */
	size_t sigstruct_offset;
	size_t sigstruct_size; /* bytes reserved for it (pages), >= TDX_SIGSTRUCT_SIZE */
	size_t module_offset;
	size_t module_size;
	struct tdx_sigstruct_info sig;
};

/* Checks each tdx_image_validate() can perform; the kernel checks are always done. */
enum {
	TDX_VALIDATE_CHECKSUM = 1u << 0,  /* 16-bit sum is zero */
	TDX_VALIDATE_SEAMHASH = 1u << 1,  /* sigstruct seamhash == SHA-384(module) */
	TDX_VALIDATE_SIGSTRUCT = 1u << 2, /* header_type 6, vendor 0x8086, cpuid_count <= 255 */
	TDX_VALIDATE_SIGNATURE = 1u << 3, /* RSA signature verifies, by a trusted key */
	TDX_VALIDATE_ALL = 0xfu,
};

const char *tdx_image_format_to_string(enum tdx_image_format f); /* "0x100", "0x200" */
/* Accepts "0x100", "0x200", "100", "200", "1", "2"; -EINVAL otherwise. */
int tdx_image_format_from_string(const char *s, enum tdx_image_format *ret);

/*
 * Parses the header exactly as the kernel that accepts this format does
 * (version, signature, reserved bytes, page counts, exact length, limits) and
 * reads the sigstruct fields. Does not hash. -EINVAL/-EBADMSG with diag on failure.
 */
int tdx_image_parse(const void *data, size_t size, struct tdx_image *ret, struct tdx_diag *diag);
/*
 * Further checks (flags above) on a parsed image; trusted is the list of
 * signing keys for TDX_VALIDATE_SIGNATURE (NULL: Intel's production key).
 */
int tdx_image_validate(const struct tdx_image *img, unsigned flags,
		       const struct tdx_trusted_keys *trusted, struct tdx_diag *diag);

/*
 * Reads the sigstruct fields from a 2 KiB (or larger, zero padded) buffer and
 * verifies its signature (the verdict is in ret->signature, not an error).
 */
int tdx_sigstruct_parse(const void *data, size_t size, struct tdx_sigstruct_info *ret,
			struct tdx_diag *diag);
/*
 * The same fields without the RSA step: ret->signature is BAD_LAYOUT or
 * UNCHECKED (layout checked, key fingerprinted). For store scans.
 */
int tdx_sigstruct_peek(const void *data, size_t size, struct tdx_sigstruct_info *ret,
		       struct tdx_diag *diag);
/* True when (cpu_signature & ~0xf) matches an entry of the table (also masked). */
bool tdx_sigstruct_supports_cpu(const struct tdx_sigstruct_info *sig, uint32_t cpu_signature);
/* The same for a table of count values (at most TDX_CPUID_TABLE_MAX are looked at). */
bool tdx_cpuid_table_supports(const uint32_t *table, uint32_t count, uint32_t cpu_signature);
/* The summary of sig; its cpuid_table points into sig (valid while sig is). */
void tdx_sigstruct_summarize(const struct tdx_sigstruct_info *sig,
			     struct tdx_sigstruct_summary *ret);

/*
 * Builds an image of the given format from a sigstruct and a module binary:
 * header, sigstruct zero-padded to a page, module zero-padded to a page, and
 * the checksum. The result is malloc'ed. Enforces the format's size limits.
 */
int tdx_image_build(enum tdx_image_format format, const void *sigstruct, size_t sigstruct_size,
		    const void *module, size_t module_size, uint8_t **ret_data, size_t *ret_size,
		    struct tdx_diag *diag);
/* Re-packs a parsed image into another format (the same format gives a copy). */
int tdx_image_convert(const struct tdx_image *img, enum tdx_image_format format, uint8_t **ret_data,
		      size_t *ret_size, struct tdx_diag *diag);

/* Sum of little-endian 16-bit words; an odd last byte is a low byte. */
uint16_t tdx_checksum16(const void *data, size_t size);

/* Reads a whole file of at most max_size bytes (O_CLOEXEC). -EFBIG past it. */
/*
 * The same from an open file, from its start (lseek; the offset is left at
 * the end); hint is the expected size (0: unknown).
 */
int tdx_file_read_all_fd(int fd, size_t max_size, size_t hint, uint8_t **ret_data, size_t *ret_size,
			 struct tdx_diag *diag);
int tdx_file_read_all(const char *path, size_t max_size, uint8_t **ret_data, size_t *ret_size,
		      struct tdx_diag *diag);
/* Writes a file atomically (temp file in the same directory, fsync, rename). */
int tdx_file_write_atomic(const char *path, const void *data, size_t size, int mode);
/*
 * Replaces dir/name with data through dir/tmp_name (a fixed name a consumer
 * ignores: ".tdxctl" for NFD, ".tdxd.prom.tmp" for node_exporter): write,
 * fchmod mode, fsync, rename, fsync dir. A reader sees the old file or the
 * new one, never a part.
 */
int tdx_file_replace_via(const char *dir, const char *name, const char *tmp_name, const void *data,
			 size_t size, int mode);
/* mkdir -p: dir and its missing parents, each 0755 whatever the umask. */
int tdx_mkdir_parents(const char *dir);

/*
 * Reads only the header page and the sigstruct of an image file (one pread),
 * for store scans that must not read or hash whole modules: the checked
 * header's format, the file's size and the 2 KiB sigstruct as stored.
 */
int tdx_image_file_read_sigstruct(const char *path, enum tdx_image_format *ret_format,
				  uint64_t *ret_size, uint8_t ret_sig[TDX_SIGSTRUCT_SIZE],
				  struct tdx_diag *diag);
/*
 * The same on a file already open (by tdx_file_open_regular(), st its
 * fstat): a caller that reads the whole image later keeps the fd instead
 * of opening the file twice.
 */
int tdx_image_fd_read_sigstruct(int fd, const struct stat *st, enum tdx_image_format *ret_format,
				uint64_t *ret_size, uint8_t ret_sig[TDX_SIGSTRUCT_SIZE],
				struct tdx_diag *diag);
/* The same, with the sigstruct's fields peeked (tdx_sigstruct_peek(): no RSA). */
int tdx_image_file_peek(const char *path, enum tdx_image_format *ret_format, uint64_t *ret_size,
			struct tdx_sigstruct_info *ret_sig, struct tdx_diag *diag);
