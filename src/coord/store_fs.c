/*
 * Files of the state store: mkdir -p, atomic replacement (temp, fsync, rename, fsync the
 * directory), capped reads, setting bad files aside.  All names are relative to a
 * directory descriptor so that a record can never escape its directory.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "strata/util.h"
#include "store_int.h"

#define TEMP_TAG	".tmp."

int
store_fs_sync(int fd)
{
	if (fsync(fd) == -1 && errno != EINVAL && errno != EROFS)
		return -errno;
	return 0;
}

int
store_fs_mkdirs(const char *path, mode_t mode, char *err, size_t errlen)
{
	char buf[4096];
	size_t len = strlen(path);
	char *p;

	if (len == 0 || len >= sizeof(buf)) {
		store_err(err, errlen, "state directory path is %s",
		    len == 0 ? "empty" : "too long");
		return len == 0 ? -EINVAL : -ENAMETOOLONG;
	}
	memcpy(buf, path, len + 1);
	for (p = buf + 1; ; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char c = *p;

		*p = '\0';
		if (mkdir(buf, mode) == -1 && errno != EEXIST) {
			int e = errno;

			store_err(err, errlen, "cannot create state directory %s: %s", buf,
			    strerror(e));
			return -e;
		}
		*p = c;
		if (c == '\0')
			break;
		while (p[1] == '/')
			p++;
		if (p[1] == '\0')
			break;
	}
	return 0;
}

bool
store_fs_is_temp(const char *name)
{
	return name[0] == '.' && strstr(name, TEMP_TAG) != NULL;
}

static int
write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int
store_fs_write(int dirfd, const char *where, const char *name, const char *data,
    size_t len, bool durable, char *err, size_t errlen)
{
	static unsigned long counter;
	char tmp[256];
	int fd = -1, rc;
	const char *what = "create";

	if ((size_t)snprintf(tmp, sizeof(tmp), ".%s" TEMP_TAG "%ld.%lu", name, (long)getpid(),
	    ++counter) >= sizeof(tmp)) {
		store_err(err, errlen, "%s/%s: name too long", where, name);
		return -ENAMETOOLONG;
	}
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd == -1) {
		rc = -errno;
		goto fail;
	}
	what = "write";
	if ((rc = write_all(fd, data, len)) != 0)
		goto fail;
	what = "fsync";
	if (durable && (rc = store_fs_sync(fd)) != 0)
		goto fail;
	what = "close";
	rc = close(fd);
	fd = -1;
	if (rc == -1) {
		rc = -errno;
		goto fail;
	}
	what = "rename";
	if (renameat(dirfd, tmp, dirfd, name) == -1) {
		rc = -errno;
		goto fail;
	}
	if (durable && (rc = store_fs_sync(dirfd)) != 0) {
		/* The new version is in place; only its durability is in doubt. */
		store_err(err, errlen, "cannot fsync state directory %s: %s", where,
		    strerror(-rc));
		return rc;
	}
	return 0;
fail:
	store_err(err, errlen, "cannot %s %s/%s: %s", what, where, name, strerror(-rc));
	if (fd != -1)
		close(fd);
	unlinkat(dirfd, tmp, 0);
	return rc;
}

int
store_fs_write_json(int dirfd, const char *where, const char *name, const json_t *v,
    size_t max, bool durable, char *err, size_t errlen)
{
	char *text;
	size_t len;
	int rc;

	text = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS);
	if (text == NULL) {
		store_err(err, errlen, "%s/%s: cannot serialize record", where, name);
		return -ENOMEM;
	}
	len = strlen(text);
	if (len + 1 > max) {
		store_err(err, errlen, "%s/%s: record of %zu bytes exceeds the %zu-byte cap",
		    where, name, len, max);
		free(text);
		return -E2BIG;
	}
	/* The terminating NUL becomes the final newline: one allocation, one write. */
	text[len] = '\n';
	rc = store_fs_write(dirfd, where, name, text, len + 1, durable, err, errlen);
	free(text);
	return rc;
}

json_t *
store_fs_read_json(int dirfd, const char *name, size_t max, char *err, size_t errlen)
{
	struct sbuf b = SBUF_INIT(max);
	char chunk[16384];
	json_error_t jerr;
	json_t *v = NULL;
	int fd;

	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd == -1) {
		store_err(err, errlen, "%s", strerror(errno));
		return NULL;
	}
	for (;;) {
		ssize_t r = read(fd, chunk, sizeof(chunk));

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			store_err(err, errlen, "%s", strerror(errno));
			goto fail;
		}
		if (r == 0)
			break;
		if (sbuf_append(&b, chunk, (size_t)r) != 0) {
			store_err(err, errlen, "larger than the %zu-byte cap", max);
			goto fail;
		}
	}
	if (b.len == 0) {
		store_err(err, errlen, "empty file");
		goto fail;
	}
	v = json_loadb(b.data, b.len, JSON_REJECT_DUPLICATES, &jerr);
	if (v == NULL) {
		store_err(err, errlen, "invalid JSON at line %d: %s", jerr.line, jerr.text);
		goto fail;
	}
	if (!json_is_object(v)) {
		store_err(err, errlen, "not a JSON object");
		json_decref(v);
		v = NULL;
	}
fail:
	close(fd);
	sbuf_release(&b);
	return v;
}

int
store_fs_set_aside(int dirfd, const char *where, const char *name, const char *why)
{
	char to[300];
	int i;

	for (i = 0; i < 100; i++) {
		struct stat sb;

		if (i == 0)
			snprintf(to, sizeof(to), "%s.corrupt", name);
		else
			snprintf(to, sizeof(to), "%s.corrupt.%d", name, i);
		if (fstatat(dirfd, to, &sb, AT_SYMLINK_NOFOLLOW) == -1 && errno == ENOENT)
			break;
	}
	if (renameat(dirfd, name, dirfd, to) == -1) {
		int e = errno;

		log_error(STORE_LOG, "cannot set aside %s/%s (%s): %s", where, name, why,
		    strerror(e));
		return -e;
	}
	log_warn(STORE_LOG, "set aside %s/%s as %s: %s", where, name, to, why);
	return 0;
}

int
store_fs_remove(int dirfd, const char *name)
{
	struct dirent *de;
	DIR *d;
	int fd, rc = 0;

	if (unlinkat(dirfd, name, 0) == 0)
		return 0;
	if (errno == ENOENT)
		return 0;
	if (errno != EISDIR && errno != EPERM)
		return -errno;
	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd == -1)
		return -errno;
	d = fdopendir(fd);
	if (d == NULL) {
		rc = -errno;
		close(fd);
		return rc;
	}
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (unlinkat(fd, de->d_name, 0) == -1 && rc == 0)
			rc = -errno;
	}
	closedir(d);
	if (unlinkat(dirfd, name, AT_REMOVEDIR) == -1 && rc == 0)
		rc = -errno;
	return rc;
}
