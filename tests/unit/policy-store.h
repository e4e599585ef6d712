/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Shared by test-policy, test-plan and test-json: a synthetic module store
 * with one module per release of a mapping file (Intel's real files or a
 * hand-written one). Modules get the CPU list of their series as in Intel's
 * published images: 1.x runs on SPR/EMR/SRF, 2.x on GNR/GNR-D.
 */
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include <tdx/mapping.h>
#include <tdx/policy.h>
#include <tdx/store.h>
#include "synth.h"

#define CPU_SPR	  0x806f8u
#define CPU_EMR	  0xc06f0u
#define CPU_SRF	  0xa06f0u
#define CPU_GNR	  0xa06d0u
#define CPU_GNR_D 0xa06e0u
#define CPU_OTHER 0x906a0u /* Alder Lake: no TDX */

#define MAPPING_14C28CE TEST_DATA_DIR "/mapping_file-14c28ce.json"
#define MAPPING_28A4BAA TEST_DATA_DIR "/mapping_file-28a4baa.json"

/* The test signing key, the one synthetic modules are signed with; tests fill it in setup. */
static struct tdx_trusted_keys test_keys _unused_;

struct test_store {
	char *root;
	char *mapping_text;
	struct tdx_store *store;
};

static inline struct tdx_version V(const char *s) {
	struct tdx_version v = {0};

	if (tdx_version_parse(s, &v) < 0)
		abort();
	return v;
}

static inline void
series_cpus(const struct tdx_version *v, uint32_t cpus[8])
{
	memset(cpus, 0, 8 * sizeof(uint32_t));
	if (v->major >= 2) {
		cpus[0] = CPU_GNR;
		cpus[1] = CPU_GNR_D;
	} else {
		cpus[0] = CPU_SPR;
		cpus[1] = CPU_EMR;
		cpus[2] = CPU_SRF;
	}
}

static inline char *read_text_file(const char *path)
{
	_cleanup_free_ uint8_t *data = NULL;
	size_t size;
	char *s;

	if (tdx_file_read_all(path, TDX_MAPPING_MAX_SIZE, &data, &size, NULL) < 0)
		return NULL;
	s = malloc(size + 1);
	if (!s)
		return NULL;
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* debug_version / extra_version may be NULL: a debug-signed release, an image with no mapping
 * entry. */
static inline int test_store_make_ext(const char *mapping_text, const char *debug_version,
				      const char *extra_version, struct test_store *ret)
{
	_cleanup_(tdx_mapping_freep) struct tdx_mapping *m = NULL;
	_cleanup_free_ struct synth_module_spec *specs = NULL;
	char tmpl[] = "/tmp/tdx-test-store-XXXXXX";
	size_t n = 0;
	int r;

	r = tdx_mapping_parse(mapping_text, strlen(mapping_text), &m, NULL);
	if (r < 0)
		return r;
	specs = calloc(m->n_releases + 1, sizeof(*specs));
	if (!specs || !mkdtemp(tmpl))
		return -ENOMEM;
	for (size_t i = 0; i < m->n_releases; i++, n++) {
		specs[n].version = m->releases[i].version;
		specs[n].module_pages = 1;
		series_cpus(&specs[n].version, specs[n].cpuids);
		if (debug_version) {
			struct tdx_version d = V(debug_version);

			specs[n].debug = tdx_version_equal(&d, &specs[n].version);
		}
	}
	if (extra_version) {
		specs[n].version = V(extra_version);
		specs[n].module_pages = 1;
		series_cpus(&specs[n].version, specs[n].cpuids);
		n++;
	}
	r = synth_store_write(tmpl, mapping_text, specs, n, TDX_IMAGE_FORMAT_V1,
			      SYNTH_STORE_JOINED);
	if (r >= 0)
		r = tdx_store_scan(tmpl, &ret->store, NULL);
	if (r < 0) {
		fixture_destroy(tmpl);
		return r;
	}
	ret->root = strdup(tmpl);
	ret->mapping_text = strdup(mapping_text);
	return 0;
}

static inline int test_store_make(const char *mapping_text, struct test_store *ret)
{
	return test_store_make_ext(mapping_text, NULL, NULL, ret);
}

static inline int test_store_from_file_ext(const char *path, const char *debug_version,
					   const char *extra_version, struct test_store *ret)
{
	_cleanup_free_ char *text = read_text_file(path);

	return text ? test_store_make_ext(text, debug_version, extra_version, ret) : -EIO;
}

static inline int test_store_from_file(const char *path, struct test_store *ret)
{
	return test_store_from_file_ext(path, NULL, NULL, ret);
}

static inline void test_store_done(struct test_store *s)
{
	tdx_store_free(s->store);
	fixture_destroy(s->root);
	free(s->root);
	free(s->mapping_text);
	*s = (struct test_store){0};
}

static inline struct tdx_store_entry *entry_of(const struct test_store *s, const char *version)
{
	struct tdx_version v = V(version);

	return tdx_store_find(s->store, &v);
}

static inline struct tdx_policy_host policy_host(const char *running, const char *seamldr,
						 uint32_t cpu)
{
	struct tdx_policy_host h = {.running = V(running), .cpu_signature = cpu};

	if (seamldr) {
		h.seamldr_known = true;
		h.seamldr = V(seamldr);
	}
	return h;
}
