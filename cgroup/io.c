/* A cgroup's block I/O and pressure files: the readers (the I/O parsers are iostat.c's; the
 * pressure format is /proc's, checked by the caller's parser). */
#include <errno.h>

#include "cgroup/cgroup-internal.h"

#define BLKIO_BYTES "blkio.throttle.io_service_bytes_recursive"
#define BLKIO_IOS "blkio.throttle.io_serviced_recursive"

static int io_v1(const struct cg_hier *h, const char *path, struct cg_iostat *ret,
		 struct cg_where *w)
{
	struct strbuf bytes = STRBUF_INIT, ios = STRBUF_INIT;
	int r = cg_read_file(h, path, BLKIO_BYTES, &bytes);

	if (r < 0) {
		cg_where_set(w, path, BLKIO_BYTES, r);
	} else {
		r = cg_read_file(h, path, BLKIO_IOS, &ios);
		if (r < 0)
			cg_where_set(w, path, BLKIO_IOS, r);
	}
	/* The pair is parsed as one (a device of one file is looked up in the other): a
	 * malformed pair names the first file. */
	if (r >= 0) {
		r = cg_parse_blkio(bytes.buf ? bytes.buf : "", ios.buf ? ios.buf : "", ret);
		if (r < 0)
			cg_where_set(w, path, BLKIO_BYTES, r);
	}
	sb_release(&bytes);
	sb_release(&ios);
	return r;
}

static int io_v2(const struct cg_hier *h, const char *path, struct cg_iostat *ret,
		 struct cg_where *w)
{
	struct strbuf sb = STRBUF_INIT;
	int r = cg_read_file(h, path, "io.stat", &sb);

	if (r >= 0)
		r = cg_parse_io_stat(sb.buf ? sb.buf : "", ret);
	sb_release(&sb);
	return r < 0 ? cg_where_set(w, path, "io.stat", r) : r;
}

int cg_io_read(const struct cg_hier *h, const char *path, struct cg_iostat *ret,
	       struct cg_error *err)
{
	struct cg_where w = {NULL, ""};
	int r = cg_path_usable(h, path);

	if (r < 0)
		cg_where_set(&w, path, NULL, r);
	else
		r = h->version == CG_V1 ? io_v1(h, path, ret, &w) : io_v2(h, path, ret, &w);
	if (r < 0)
		cg_error_set(err, h, w.path, w.file, r);
	return r;
}

int cg_pressure_read(const struct cg_hier *h, const char *path, enum cg_psi res,
		     int (*parse)(const char *text, void *arg), void *arg, struct cg_error *err)
{
	static const char *const files[] = {
		[CG_PSI_CPU] = "cpu.pressure",
		[CG_PSI_MEMORY] = "memory.pressure",
		[CG_PSI_IO] = "io.pressure",
	};
	struct strbuf sb = STRBUF_INIT;
	const char *file = NULL;
	int r = cg_path_usable(h, path);

	if (r >= 0 && ((unsigned)res >= CG_NPSI || h->version != CG_V2))
		r = -EOPNOTSUPP;
	if (r >= 0) {
		file = files[res];
		r = cg_read_file(h, path, file, &sb);
		if (r >= 0)
			r = parse(sb.buf ? sb.buf : "", arg);
	}
	sb_release(&sb);
	if (r < 0)
		cg_error_set(err, h, path, file, r);
	return r;
}
