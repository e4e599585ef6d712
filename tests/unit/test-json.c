// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * JSON views: the exact serialisation of fixed inputs, so any change of a key,
 * its order or its value format shows up here first (scripts parse these).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <tdx/json.h>

#define FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

/* 48 bytes 0x00..0x2f as hex */
#define SEAMHASH_HEX                                                       \
	"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f" \
	"202122232425262728292a2b2c2d2e2f"

static void assert_json(json_object *o, const char *want)
{
	assert_non_null(o);
	assert_string_equal(json_object_to_json_string_ext(o, FLAGS), want);
	json_object_put(o);
}

static void fill_sig(struct tdx_sigstruct_info *s, bool debug)
{
	*s = (struct tdx_sigstruct_info){
		.header_type = 6,
		.module_vendor = 0x8086,
		.debug = debug,
		.module_type = debug ? 0x80000000u : 0,
		.date = 0x20240725,
		.seam_svn = 0x0107,
		.cpuid_count = 2,
		.cpuid_table = {0x806f8, 0xc06f0},
	};
	for (size_t i = 0; i < TDX_SEAMHASH_SIZE; i++)
		s->seamhash[i] = (uint8_t)i;
}

static void test_version_and_reasons(void **state)
{
	struct tdx_version v = {1, 5, 6};

	assert_json(tdx_json_version(&v), "\"1.5.06\"");
	assert_json(tdx_json_reasons(0), "[]");
	assert_json(tdx_json_reasons(TDX_REASON_CPU | TDX_REASON_MIN_VERSION |
				     TDX_REASON_SEAMLDR_UNKNOWN),
		    "[\"cpu_unsupported\",\"below_min_version\",\"seamldr_unknown\"]");
}

static void test_sigstruct(void **state)
{
	struct tdx_sigstruct_info s;

	fill_sig(&s, false);
	assert_json(tdx_json_sigstruct(&s),
		    "{\"header_type\":6,\"module_vendor\":\"0x8086\",\"debug\":false,"
		    "\"build_date\":\"2024-07-25\",\"seam_svn\":263,\"seamhash\":\"" SEAMHASH_HEX
		    "\",\"cpuid_table\":[\"0x806f8\",\"0xc06f0\"]}");
	/* a date that is not BCD is shown raw rather than as a wrong day */
	s.date = 0x2024071f;
	s.cpuid_count = 0;
	assert_json(tdx_json_sigstruct(&s),
		    "{\"header_type\":6,\"module_vendor\":\"0x8086\",\"debug\":false,"
		    "\"build_date\":\"0x2024071f\",\"seam_svn\":263,\"seamhash\":\"" SEAMHASH_HEX
		    "\",\"cpuid_table\":[]}");
}

static void test_candidate(void **state)
{
	struct tdx_release rel = {.version = {1, 5, 8}, .min_td_preserving = {1, 5, 1}};
	struct tdx_store_entry e = {
		.version = {1, 5, 8},
		.blob_path = "/store/joined_files/1.5/tdx_module_1.5.08.blob",
		.release = &rel,
		.sig_state = TDX_SIG_OK,
		.blob_format = TDX_IMAGE_FORMAT_V1,
	};
	struct tdx_candidate c = {.entry = &e, .reasons = 0};
	struct tdx_version running = {1, 5, 6};
	struct tdx_sigstruct_info sig;

	fill_sig(&sig, true);
	tdx_sigstruct_summarize(&sig, &e.sig);
	assert_json(tdx_json_candidate(&c, &running),
		    "{\"version\":\"1.5.08\",\"installable\":true,\"reasons\":[],\"running\":false,"
		    "\"min_td_preserving\":\"1.5.01\","
		    "\"image_path\":\"/store/joined_files/1.5/tdx_module_1.5.08.blob\","
		    "\"image_format\":\"0x100\",\"sigstruct_error\":null,\"debug\":true,"
		    "\"build_date\":\"2024-07-25\",\"seam_svn\":263,\"seamhash\":\"" SEAMHASH_HEX
		    "\",\"cpuid_table\":[\"0x806f8\",\"0xc06f0\"]}");

	/* unreadable sigstruct, separate files only, no mapping entry, running */
	e = (struct tdx_store_entry){
		.version = {1, 5, 6},
		.bin_path = "/store/separate_files/1.5/1.5.06/tdx_module_1.5.06.bin",
		.sig_state = TDX_SIG_ERROR,
		.sig_error = "sigstruct: short read (100 of 2048 bytes)",
	};
	c.reasons = TDX_REASON_RUNNING | TDX_REASON_NO_MAPPING | TDX_REASON_BAD_IMAGE;
	assert_json(tdx_json_candidate(&c, &running),
		    "{\"version\":\"1.5.06\",\"installable\":false,"
		    "\"reasons\":[\"running\",\"no_mapping\",\"bad_image\"],\"running\":true,"
		    "\"min_td_preserving\":null,"
		    "\"image_path\":\"/store/separate_files/1.5/1.5.06/tdx_module_1.5.06.bin\","
		    "\"image_format\":null,"
		    "\"sigstruct_error\":\"sigstruct: short read (100 of 2048 bytes)\","
		    "\"debug\":null,\"build_date\":null,\"seam_svn\":null,\"seamhash\":null,"
		    "\"cpuid_table\":null}");
}

static void test_plan(void **state)
{
	struct tdx_release r20 = {.version = {1, 5, 20}, .min_td_preserving = {1, 5, 6}};
	struct tdx_store_entry e07 = {.version = {1, 5, 7}};
	struct tdx_store_entry e20 = {.version = {1, 5, 20}, .release = &r20};
	struct tdx_store_entry *hops[] = {&e07, &e20};
	struct tdx_plan p = {.from = {1, 5, 1}, .hops = hops, .n_hops = 2};

	assert_json(tdx_json_plan(&p),
		    "{\"from\":\"1.5.01\",\"to\":\"1.5.20\",\"hops\":["
		    "{\"version\":\"1.5.07\",\"reason\":\"needed: 1.5.20 needs a running module of "
		    "at least 1.5.06\"},{\"version\":\"1.5.20\",\"reason\":\"target\"}]}");
	p.n_hops = 0;
	assert_json(tdx_json_plan(&p), "{\"from\":\"1.5.01\",\"to\":null,\"hops\":[]}");
}

static void test_host(void **state)
{
	struct tdx_host h = {
		.paths = {.sysfs_root = "/sys"},
		.layout = TDX_ABI_MAINLINE,
		.image_format = TDX_IMAGE_FORMAT_V2,
		.module_state = TDX_MODULE_RUNNING,
		.update_support = TDX_UPDATE_SUPPORTED,
		.module_version = {1, 5, 6},
		.seamldr_err = -EACCES,
		.num_remaining_updates = 3,
	};

	assert_json(
		tdx_json_host(&h, 0x806f8),
		"{\"sysfs_root\":\"/sys\",\"abi_layout\":\"mainline\",\"image_format\":\"0x200\","
		"\"module_state\":\"running\",\"module_version\":\"1.5.06\","
		"\"module_version_error\":null,\"seamldr_version\":null,"
		"\"seamldr_version_error\":\"Permission denied\",\"num_remaining_updates\":3,"
		"\"num_remaining_updates_error\":null,\"runtime_update\":\"supported\","
		"\"runtime_update_reason\":null,\"cpu_signature\":\"0x806f8\","
		"\"cpu_platform\":\"Sapphire Rapids\"}");

	h = (struct tdx_host){
		.paths = {.sysfs_root = "/tmp/root"},
		.module_state = TDX_MODULE_LOST,
		.layout = TDX_ABI_SEAMLDR_DIR,
		.image_format = TDX_IMAGE_FORMAT_V1,
		.update_support = TDX_UPDATE_UNSUPPORTED_HIDDEN,
		.version_err = -ENXIO,
		.seamldr_err = -ENOENT,
		.remaining_err = -ENOENT,
	};
	assert_json(
		tdx_json_host(&h, 0x906a3),
		"{\"sysfs_root\":\"/tmp/root\",\"abi_layout\":\"seamldr-dir\","
		"\"image_format\":\"0x100\",\"module_state\":\"lost\",\"module_version\":null,"
		"\"module_version_error\":\"No such device or address\","
		"\"seamldr_version\":null,\"seamldr_version_error\":\"No such file or directory\","
		"\"num_remaining_updates\":null,"
		"\"num_remaining_updates_error\":\"No such file or directory\","
		"\"runtime_update\":\"hidden\",\"runtime_update_reason\":\"the kernel hides the "
		"update attributes: the module lacks TD-preserving update or the CPU has the "
		"seamret_invd_vmcs erratum\",\"cpu_signature\":\"0x906a3\",\"cpu_platform\":null}");
}

static void test_image(void **state)
{
	struct tdx_image img = {
		.format = TDX_IMAGE_FORMAT_V2,
		.size = 3 * TDX_PAGE_SIZE,
		.checksum = 0x06d5,
		.checksum_ok = true,
		.sigstruct_offset = 0x1000,
		.sigstruct_size = 0x1000,
		.module_offset = 0x2000,
		.module_size = TDX_PAGE_SIZE,
	};

	fill_sig(&img.sig, false);
	assert_json(
		tdx_json_image(&img, "/tmp/x.blob"),
		"{\"path\":\"/tmp/x.blob\",\"format\":\"0x200\",\"size\":12288,"
		"\"checksum\":\"0x06d5\",\"checksum_ok\":true,\"sigstruct_offset\":4096,"
		"\"module_offset\":8192,\"module_size\":4096,\"module_pages\":1,\"debug\":false,"
		"\"build_date\":\"2024-07-25\",\"seam_svn\":263,\"seamhash\":\"" SEAMHASH_HEX
		"\",\"cpuid_table\":[\"0x806f8\",\"0xc06f0\"]}");
}

static void fill_preflight(struct tdx_preflight *p)
{
	*p = (struct tdx_preflight){0};
	p->checks[TDX_CHECK_MODULE_RUNNING] =
		(struct tdx_check_result){.ran = true, .passed = true, .msg = "1.5.06 running"};
	p->checks[TDX_CHECK_CPUS_ONLINE] = (struct tdx_check_result){
		.ran = true, .passed = false, .err = -EBUSY, .msg = "1 of 2 CPUs online"};
}

static void test_preflight(void **state)
{
	struct tdx_preflight p;
	json_object *o, *checks, *c;
	char want[256];

	fill_preflight(&p);
	o = tdx_json_preflight(&p);
	assert_non_null(o);
	assert_false(json_object_get_boolean(json_object_object_get(o, "passed")));
	assert_string_equal(json_object_get_string(json_object_object_get(o, "first_failure")),
			    tdx_check_to_string(TDX_CHECK_CPUS_ONLINE));
	checks = json_object_object_get(o, "checks");
	assert_int_equal(json_object_array_length(checks), TDX_CHECK_COUNT);
	c = json_object_array_get_idx(checks, TDX_CHECK_CPUS_ONLINE);
	assert_string_equal(json_object_to_json_string_ext(c, FLAGS),
			    "{\"check\":\"cpus_online\",\"ran\":true,\"passed\":false,"
			    "\"message\":\"1 of 2 CPUs online\"}");
	c = json_object_array_get_idx(checks, TDX_CHECK_LOCK);
	snprintf(want, sizeof(want),
		 "{\"check\":\"%s\",\"ran\":false,\"passed\":null,\"message\":null}",
		 tdx_check_to_string(TDX_CHECK_LOCK));
	assert_string_equal(json_object_to_json_string_ext(c, FLAGS), want);
	json_object_put(o);
}

static void test_hop_result(void **state)
{
	struct tdx_hop_result r = {
		.from = {1, 5, 6},
		.to = {1, 5, 8},
		.attempted = true,
		.outcome = TDX_OUTCOME_FATAL,
		.fw = {.outcome = TDX_OUTCOME_FATAL,
		       .error = {.progress = TDX_FW_STATUS_TRANSFERRING,
				 .code = TDX_FW_ERROR_FIRMWARE_INVALID,
				 .raw = "transferring:firmware-invalid"},
		       .version_after_err = -ENXIO,
		       .write_usec = 1234567,
		       .install_usec = 5,
		       .polls = 7},
		.remaining_before = 3,
		.converted = true,
		.format = TDX_IMAGE_FORMAT_V2,
		.seam_svn = 0x0107,
		.build_date = 0x20240725,
	};
	json_object *o, *pf;

	memset(r.image_sha256, 0xab, sizeof(r.image_sha256));
	for (size_t i = 0; i < TDX_SEAMHASH_SIZE; i++)
		r.seamhash[i] = (uint8_t)i;
	fill_preflight(&r.preflight);
	o = tdx_json_hop_result(&r);
	assert_non_null(o);
	pf = json_object_object_get(o, "preflight");
	assert_non_null(pf);
	assert_false(json_object_get_boolean(json_object_object_get(pf, "passed")));
	json_object_object_del(o, "preflight"); /* shape checked in test_preflight */
	assert_json(
		o,
		"{\"from\":\"1.5.06\",\"to\":\"1.5.08\",\"attempted\":true,\"outcome\":\"fatal\","
		"\"error\":\"firmware-invalid\",\"fw_error_raw\":\"transferring:firmware-invalid\","
		"\"version_after\":null,\"write_ms\":1234.567,\"install_ms\":0.005,\"polls\":7,"
		"\"remaining_before\":3,\"remaining_after\":null,\"image_sha256\":\""
		"abababababababababababababababababababababababababababababababab\","
		"\"seamhash\":\"" SEAMHASH_HEX "\",\"seam_svn\":263,\"build_date\":\"2024-07-25\","
		"\"converted\":true,\"image_format\":\"0x200\"}");

	/* Nothing written: no outcome, even though the enum's zero is "success". */
	r = (struct tdx_hop_result){.from = {1, 5, 6}, .to = {1, 5, 8}};
	o = tdx_json_hop_result(&r);
	assert_non_null(o);
	assert_true(json_object_is_type(json_object_object_get(o, "outcome"), json_type_null));
	assert_true(json_object_is_type(json_object_object_get(o, "error"), json_type_null));
	assert_false(json_object_get_boolean(json_object_object_get(o, "attempted")));
	json_object_put(o);
}

static void test_store_problems(void **state)
{
	struct tdx_store_problem problems[] = {
		{.path = "joined_files/1.5/tdx_module_1.5.x.blob", .message = "bad file name"},
	};
	struct tdx_version missing[] = {{1, 5, 20}, {2, 0, 14}};
	struct tdx_store s = {
		.root = "/store",
		.problems = problems,
		.n_problems = 1,
		.missing_images = missing,
		.n_missing_images = 2,
	};

	assert_json(tdx_json_store_problems(&s),
		    "{\"root\":\"/store\",\"problems\":[{\"path\":\"joined_files/1.5/"
		    "tdx_module_1.5.x.blob\",\"message\":\"bad file name\"}],"
		    "\"missing_images\":[\"1.5.20\",\"2.0.14\"]}");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_version_and_reasons),
		cmocka_unit_test(test_sigstruct),
		cmocka_unit_test(test_candidate),
		cmocka_unit_test(test_plan),
		cmocka_unit_test(test_host),
		cmocka_unit_test(test_image),
		cmocka_unit_test(test_preflight),
		cmocka_unit_test(test_hop_result),
		cmocka_unit_test(test_store_problems),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
