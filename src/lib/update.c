// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * One hop and a whole plan. The order matters for safety: lock, re-read the
 * host under the lock, run every pre-flight check, load and validate the
 * image once, write exactly those bytes, re-read the host, verify.
 */
#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <tdx/lock.h>
#include <tdx/update.h>
#include <tdx/view.h>

/* The host changes every hop; the CPU does not. */
static void sync_policy_host(struct tdx_update_ctx *ctx)
{
	tdx_policy_host_from_host(ctx->host, ctx->policy_host.cpu_signature, &ctx->policy_host);
}

int tdx_update_ctx_init_policy_host(struct tdx_update_ctx *ctx, uint32_t cpu_signature)
{
	if (!ctx || !ctx->host)
		return -EINVAL;
	ctx->policy_host.cpu_signature = cpu_signature;
	sync_policy_host(ctx);
	return 0;
}

/* Where the engine's I/O goes: the caller's override, or the host's fw_upload directory. */
struct hop_io {
	const struct tdx_fwupload_io *io;
	void *ud;
	struct tdx_fwupload_sysfs sysfs;
};

static void hop_io_done(struct hop_io *hio)
{
	tdx_fwupload_sysfs_done(&hio->sysfs);
}

static bool hop_io_init(struct tdx_update_ctx *ctx, struct hop_io *hio)
{
	if (ctx->io) {
		hio->io = ctx->io;
		hio->ud = ctx->io_ud;
		return true;
	}
	if (!ctx->host->paths.fwupload_dir)
		return false;
	hio->sysfs = (struct tdx_fwupload_sysfs){
		.fwupload_dir = ctx->host->paths.fwupload_dir,
		.version_path = ctx->host->paths.version,
		.data_fd = -EBADF,
	};
	hio->io = &tdx_fwupload_io_sysfs;
	hio->ud = &hio->sysfs;
	return true;
}

/* The image that passed TDX_CHECK_IMAGE: the only bytes that may be written. */
struct validated_image {
	uint8_t *data;
	size_t size;
	struct tdx_image img;
};

/* What a hop inside a plan knows that a single hop does not. */
struct hop_plan_state {
	int lock_err; /* the plan holds the lock for all its hops */
	const char *lock_path;
	bool simulate; /* dry run of a later hop: assume the earlier ones succeeded */
	struct tdx_version assume_from;
	unsigned hops_before;
	unsigned n_hops;
};

/* For an inhibitor refused while this hop runs: "1.5.06 -> 1.5.08, hop 1 of 2, pid 42". */
static void describe_hop(const struct hop_plan_state *ps, const struct tdx_hop_result *res,
			 char *buf, size_t size)
{
	char from[TDX_VERSION_STRING_MAX], to[TDX_VERSION_STRING_MAX];

	tdx_version_format(&res->from, from);
	tdx_version_format(&res->to, to);
	snprintf(buf, size, "%s -> %s, hop %u of %u, pid %d", from, to, ps->hops_before + 1,
		 ps->n_hops ? ps->n_hops : 1, (int)getpid());
}

/*
 * Every check runs so the report is complete, except the veto: it asks
 * inhibitors and runs pre-update hooks, which must only hear about an update
 * that would really go ahead.
 */
static void run_checks(struct tdx_update_ctx *ctx, struct tdx_store_entry *e,
		       const struct hop_plan_state *ps, struct hop_io *hio, bool have_io,
		       struct tdx_hop_result *res, struct validated_image *vi, int *ret_block_fd)
{
	struct tdx_check_result *c = res->preflight.checks;
	struct tdx_host h = *ctx->host;
	char what[TDX_DIAG_MAX / 2];

	if (ps->simulate) /* earlier hops of this dry run would have used slots */
		h.num_remaining_updates = h.num_remaining_updates > ps->hops_before
						  ? h.num_remaining_updates - ps->hops_before
						  : 0;
	tdx_check_module_running(&h, &c[TDX_CHECK_MODULE_RUNNING]);
	tdx_check_update_supported(&h, &c[TDX_CHECK_UPDATE_SUPPORTED]);
	tdx_check_cpus_online(&h, &c[TDX_CHECK_CPUS_ONLINE]);
	tdx_check_updates_left(&h, ctx->reserve, &c[TDX_CHECK_UPDATES_LEFT]);
	if (have_io)
		tdx_check_fwupload_idle(hio->io, hio->ud, &c[TDX_CHECK_FWUPLOAD_IDLE]);
	else
		c[TDX_CHECK_FWUPLOAD_IDLE] = (struct tdx_check_result){
			.ran = true, .err = -ENODEV, .msg = "no fw_upload device"};
	tdx_check_lock(ps->lock_err, ps->lock_path, &c[TDX_CHECK_LOCK]);
	tdx_check_policy(e, &ctx->policy_host, &ctx->policy, &c[TDX_CHECK_POLICY]);
	tdx_check_signature(tdx_check_image(e, h.image_format, &vi->data, &vi->size, &vi->img,
					    &res->converted, &c[TDX_CHECK_IMAGE]) == 0
				    ? &vi->img
				    : NULL,
			    ctx->policy.trusted_keys, &c[TDX_CHECK_SIGNATURE]);
	if (tdx_preflight_first_failure(&res->preflight) == TDX_CHECK_COUNT &&
	    tdx_check_veto(ctx->veto, ctx->veto_ud, e, &c[TDX_CHECK_VETO]) == 0) {
		/* after the callback: tdxd drops its own hold once its inhibitors are gone */
		describe_hop(ps, res, what, sizeof(what));
		if (tdx_check_inhibitors(ps->lock_path, what, ret_block_fd, &c[TDX_CHECK_VETO]) ==
		    0)
			tdx_check_young_tds(h.paths.sysfs_root, ctx->young_td_usec, ret_block_fd,
					    &c[TDX_CHECK_VETO]);
	}
}

static void record_image(struct tdx_hop_result *res, const struct validated_image *vi)
{
	res->format = vi->img.format;
	(void)tdx_sha256(vi->data, vi->size, res->image_sha256);
	memcpy(res->seamhash, vi->img.sig.seamhash, sizeof(res->seamhash));
	res->seam_svn = vi->img.sig.seam_svn;
	res->build_date = vi->img.sig.date;
}

/* The kernel's word is not enough: success means the target version runs now. */
static void verify(struct tdx_update_ctx *ctx, struct tdx_hop_result *res, struct tdx_diag *diag)
{
	char want[TDX_VERSION_STRING_MAX], now[TDX_VERSION_STRING_MAX];
	const struct tdx_host *h = ctx->host;

	res->outcome = res->fw.outcome;
	if (h->module_state == TDX_MODULE_LOST) {
		res->outcome = TDX_OUTCOME_FATAL;
		tdx_diag_set(diag, -ENXIO,
			     "the TDX module is lost after the update: every TD is gone, reboot "
			     "required");
		return;
	}
	if (res->outcome != TDX_OUTCOME_SUCCESS)
		return;
	tdx_version_format(&res->to, want);
	tdx_version_format(&res->fw.version_after, now);
	if (!tdx_version_equal(&res->fw.version_after, &res->to)) {
		res->outcome = TDX_OUTCOME_REFUSED;
		tdx_diag_set(
			diag, -EPROTO,
			tdx_version_equal(&res->fw.version_after, &res->from)
				? "kernel reported no error but the module is still %s, not %s: "
				  "the update was refused"
				: "kernel reported no error but the module is %s, not %s",
			now, want);
		return;
	}
	if (res->remaining_after_known && res->remaining_after + 1 != res->remaining_before)
		tdx_diag_set(diag, 0,
			     "%s installed; num_remaining_updates went %u -> %u, not down by one",
			     want, res->remaining_before, res->remaining_after);
	else
		tdx_diag_set(diag, 0, "%s installed", want);
}

static int fail_preflight(const struct tdx_hop_result *res, struct tdx_diag *diag)
{
	enum tdx_check failed = tdx_preflight_first_failure(&res->preflight);
	const struct tdx_check_result *c = &res->preflight.checks[failed];

	return tdx_diag_set(diag, c->err < 0 ? c->err : -EPERM, "%s: %s",
			    tdx_check_to_string(failed), c->msg);
}

static int run_hop(struct tdx_update_ctx *ctx, struct tdx_store_entry *e, bool dry_run,
		   const struct hop_plan_state *ps, struct tdx_hop_result *ret,
		   struct tdx_diag *diag)
{
	struct tdx_hop_result res = {0};
	struct validated_image vi = {0};
	_cleanup_(hop_io_done) struct hop_io hio = {0};
	/* no inhibitor is granted from the last check until this hop is classified */
	_cleanup_(tdx_inhibit_unblockp) int block_fd = -EBADF;
	bool have_io;
	int r;

	/* under the lock: what we verify is what the kernel has now */
	(void)tdx_host_refresh(ctx->host);
	sync_policy_host(ctx);
	if (ps->simulate)
		ctx->policy_host.running = ps->assume_from;
	res.from = ctx->policy_host.running;
	res.to = e->version;
	res.remaining_before = ctx->host->num_remaining_updates;

	have_io = hop_io_init(ctx, &hio);
	tdx_preflight_init(&res.preflight);
	run_checks(ctx, e, ps, &hio, have_io, &res, &vi, &block_fd);
	if (!tdx_preflight_passed(&res.preflight)) {
		free(vi.data);
		*ret = res;
		return fail_preflight(&res, diag);
	}
	record_image(&res, &vi);
	if (dry_run) {
		free(vi.data);
		*ret = res;
		return tdx_diag_set(diag, 0, "pre-flight passed");
	}

	if (ctx->before_write) {
		r = ctx->before_write(ctx->before_write_ud, &res, diag);
		if (r != 0) {
			free(vi.data);
			*ret = res;
			return r < 0 ? r : -ECANCELED;
		}
	}
	/* the buffer validated above, never re-read from the store */
	r = tdx_fwupload_stream(hio.io, hio.ud, vi.data, vi.size, &ctx->fw, &res.fw, diag);
	free(vi.data);
	if (r < 0) {
		*ret = res;
		return r;
	}
	res.attempted = true;
	(void)tdx_host_refresh(ctx->host);
	sync_policy_host(ctx);
	res.remaining_after_known = ctx->host->remaining_err == 0;
	res.remaining_after = ctx->host->num_remaining_updates;
	verify(ctx, &res, diag);
	*ret = res;
	return 0;
}

int tdx_update_run_hop(struct tdx_update_ctx *ctx, struct tdx_store_entry *e, bool dry_run,
		       struct tdx_hop_result *ret, struct tdx_diag *diag)
{
	_cleanup_close_ int lock_fd = -EBADF;
	struct hop_plan_state ps = {
		.lock_path = ctx->lock_path ? ctx->lock_path : tdx_lock_default_path(),
	};

	ps.lock_err = tdx_lock_acquire(ps.lock_path, ctx->lock_wait, &lock_fd);
	return run_hop(ctx, e, dry_run, &ps, ret, diag);
}

int tdx_update_run_plan(struct tdx_update_ctx *ctx, const struct tdx_plan *plan, bool dry_run,
			void (*hop_done)(void *ud, const struct tdx_hop_result *r), void *ud,
			struct tdx_hop_result **ret_results, size_t *ret_done,
			struct tdx_diag *diag)
{
	_cleanup_free_ struct tdx_hop_result *results = NULL;
	_cleanup_close_ int lock_fd = -EBADF;
	struct hop_plan_state ps = {
		.lock_path = ctx->lock_path ? ctx->lock_path : tdx_lock_default_path(),
		.n_hops = (unsigned)plan->n_hops,
	};
	size_t done = 0;
	int r = 0;

	results = calloc(plan->n_hops ? plan->n_hops : 1, sizeof(*results));
	if (!results)
		return -ENOMEM;
	/* one lock for the whole plan: nobody slips an update between our hops */
	ps.lock_err = tdx_lock_acquire(ps.lock_path, ctx->lock_wait, &lock_fd);

	for (size_t i = 0; i < plan->n_hops; i++) {
		struct tdx_hop_result *res = &results[i];

		ps.simulate = dry_run && i > 0;
		ps.hops_before = (unsigned)i;
		r = run_hop(ctx, plan->hops[i], dry_run, &ps, res, diag);
		done++;
		if (hop_done)
			hop_done(ud, res);
		if (r < 0)
			break;
		if (dry_run) {
			ps.assume_from = plan->hops[i]->version;
			continue;
		}
		/* fatal: TDs are gone; nothing else may touch the host, and nothing retries */
		if (res->outcome != TDX_OUTCOME_SUCCESS)
			break;
	}
	*ret_results = TAKE_PTR(results);
	*ret_done = done;
	return r;
}
