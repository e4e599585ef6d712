/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * A large view document passed as a sealed memfd instead of in the message
 * (tdxctl-dbus(5), GetList): dbus-daemon carries a file descriptor, not
 * megabytes, and the receiver maps the sender's pages. The seals make the
 * bytes immutable, so one memfd serves every caller and a receiver's mapping
 * can neither change under it nor shrink into SIGBUS.
 */
#include <stddef.h>

/* A close-on-exec memfd of size bytes of text, sealed against writes, growth and shrinking. */
int document_fd_new(const char *text, size_t size, int *ret_fd);

/*
 * Maps a document fd read-only after checking its seals (-EPERM without
 * them), its type (-EBADF unless a regular file) and its size (-EFBIG above
 * max). *ret_data is size bytes, not NUL-terminated; munmap() it. An empty
 * document maps to NULL and 0.
 */
int document_fd_map(int fd, size_t max, const void **ret_data, size_t *ret_size);
