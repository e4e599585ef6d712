// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Sealed memfd documents (document-fd.h). Readers map or pread them: the
 * file offset is shared by every dup of the fd, so read(2) by one caller
 * would move it for all.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "document-fd.h"

#define DOCUMENT_FD_SEALS (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

static int write_all(int fd, const char *p, size_t size)
{
	while (size > 0) {
		ssize_t n = write(fd, p, size);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		size -= (size_t)n;
	}
	return 0;
}

int document_fd_new(const char *text, size_t size, int *ret_fd)
{
	int fd, r;

	fd = memfd_create("tdxd-document", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return -errno;
	r = write_all(fd, text, size);
	/* F_SEAL_SEAL last: nobody can lift or add seals after us. */
	if (r >= 0 && fcntl(fd, F_ADD_SEALS, DOCUMENT_FD_SEALS | F_SEAL_SEAL) < 0)
		r = -errno;
	if (r < 0) {
		close(fd);
		return r;
	}
	*ret_fd = fd;
	return 0;
}

int document_fd_map(int fd, size_t max, const void **ret_data, size_t *ret_size)
{
	struct stat st;
	void *p;
	int seals;

	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EBADF;
	seals = fcntl(fd, F_GET_SEALS);
	if (seals < 0 || (seals & DOCUMENT_FD_SEALS) != DOCUMENT_FD_SEALS)
		return -EPERM;
	if (st.st_size < 0 || (unsigned long long)st.st_size > max)
		return -EFBIG;
	if (st.st_size == 0) {
		*ret_data = NULL;
		*ret_size = 0;
		return 0;
	}
	p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED)
		return -errno;
	*ret_data = p;
	*ret_size = (size_t)st.st_size;
	return 0;
}
