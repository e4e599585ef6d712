/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* File helpers shared inside the library (fileio.c); not part of the API. */
#include <sys/stat.h>

#include <tdx/diag.h>

/*
 * Opens path read-only (O_CLOEXEC, O_NOCTTY) and fstat()s it. Returns the fd,
 * or a negative errno with diag "cannot open: <strerror>" / "cannot stat: ...".
 */
int tdx_file_open_stat(const char *path, struct stat *ret_st, struct tdx_diag *diag);
/*
 * The same without clearing O_NONBLOCK afterwards (two syscalls less): for
 * pread() of regular files, which the flag does not affect. Store scans open
 * 10,000 files this way.
 */
int tdx_file_open_regular(const char *path, struct stat *ret_st, struct tdx_diag *diag);

/* write(2) until all of data is written, retrying on EINTR and short writes. */
int tdx_file_write_full(int fd, const void *data, size_t size);
