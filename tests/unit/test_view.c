/* core/core.c: a view as one line of text and back (the key fs/ keeps bound views under
 * across restarts). Pure: no /proc, no cgroups. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"

/* A view; paths NULL for "-". */
static struct vp_view view(bool host_ns, unsigned level, pid_t init, unsigned long long start,
			   const char *mem, const char *cpu, const char *acct, const char *set,
			   const char *blkio)
{
	const char *p[CG_NCONTROLLERS] = {[CG_MEMORY] = mem, [CG_CPU] = cpu, [CG_CPUACCT] = acct,
					  [CG_CPUSET] = set, [CG_BLKIO] = blkio};
	struct vp_view v = {.c = {.host_ns = host_ns, .init = init, .init_start = start,
				  .ns_level = level}};

	for (int k = 0; k < CG_NCONTROLLERS; k++) {
		v.c.path[k] = p[k] ? strdup(p[k]) : NULL;
		cr_assert(!p[k] || v.c.path[k]);
	}
	return v;
}

static void assert_view_eq(const struct vp_view *a, const struct vp_view *b)
{
	cr_assert_eq(a->c.host_ns, b->c.host_ns);
	cr_assert_eq(a->c.init, b->c.init);
	cr_assert_eq(a->c.init_start, b->c.init_start);
	cr_assert_eq(a->c.ns_level, b->c.ns_level);
	for (int k = 0; k < CG_NCONTROLLERS; k++) {
		cr_assert_eq(!a->c.path[k], !b->c.path[k], "controller %d", k);
		if (a->c.path[k])
			cr_assert_str_eq(a->c.path[k], b->c.path[k], "controller %d", k);
	}
}

/* v formats as want (when not NULL), parses back equal, and every buffer too small for the
 * text is refused with a NUL-terminated prefix in it. */
static void round_trip(const struct vp_view *v, const char *want)
{
	static char text[1 << 20], small[1 << 20];
	struct vp_view back;
	size_t len;

	cr_assert_eq(vp_view_format(v, text, sizeof(text)), 0);
	if (want)
		cr_assert_str_eq(text, want);
	len = strlen(text);
	cr_assert_eq(strcspn(text, "\n\t"), len, "one line: %s", text);
	cr_assert_eq(vp_view_parse(text, &back), 0, "%s", text);
	assert_view_eq(v, &back);
	vp_view_done(&back);
	for (size_t n = 0; n <= len; n += 1 + n / 64) {
		memset(small, 'x', n + 1);
		cr_assert_eq(vp_view_format(v, small, n), -ENAMETOOLONG, "size %zu", n);
		cr_assert_eq(small[n], 'x', "size %zu: wrote past the end", n);
		if (n > 0)
			cr_assert_lt(strnlen(small, n), n, "size %zu: no NUL", n);
	}
	cr_assert_eq(vp_view_format(v, small, len + 1), 0);
	cr_assert_str_eq(small, text);
}

Test(view_text, host_namespace)
{
	struct vp_view v = view(true, 0, 0, 0, "/", "/", "/", "/", "/");

	round_trip(&v, "vpview2 host / / / / /");
	vp_view_done(&v);
	v = view(true, 0, 0, 0, "/kubepods/pod1/ctr", "/kubepods/pod1/ctr", "/kubepods/pod1/ctr",
		 "/kubepods/pod1", "/kubepods/pod1/ctr");
	round_trip(&v, "vpview2 host /kubepods/pod1/ctr /kubepods/pod1/ctr /kubepods/pod1/ctr "
		       "/kubepods/pod1 /kubepods/pod1/ctr");
	vp_view_done(&v);
}

Test(view_text, nested_namespaces)
{
	struct vp_view v = view(false, 2, 4242, 123456789, "/a/b", "/a", "/a/b", "/", "/a/b/c");

	round_trip(&v, "vpview2 2:4242:123456789 /a/b /a /a/b / /a/b/c");
	vp_view_done(&v);
	/* The extremes: the kernel's deepest nesting, the largest pid and start time. */
	v = view(false, 32, INT32_MAX, UINT64_MAX, "/", "/", "/", "/", "/");
	round_trip(&v, "vpview2 32:2147483647:18446744073709551615 / / / / /");
	vp_view_done(&v);
	v = view(false, 1, 1, 0, "/c", "/c", "/c", "/c", "/c");
	round_trip(&v, "vpview2 1:1:0 /c /c /c /c /c");
	vp_view_done(&v);
}

Test(view_text, unmounted_controllers)
{
	struct vp_view v = view(true, 0, 0, 0, "/m", NULL, NULL, NULL, NULL);

	round_trip(&v, "vpview2 host /m - - - -");
	vp_view_done(&v);
	v = view(false, 1, 7, 9, NULL, NULL, NULL, NULL, NULL);
	round_trip(&v, "vpview2 1:7:9 - - - - -");
	vp_view_done(&v);
	/* A cgroup called "-" is a path ("/-"), not "none". */
	v = view(true, 0, 0, 0, "/-", "/-", NULL, "/", "/-");
	round_trip(&v, "vpview2 host /- /- - / /-");
	vp_view_done(&v);
}

Test(view_text, odd_bytes_in_paths)
{
	struct vp_view v = view(false, 3, 100, 5, "/my pod/100%/x\ny", "/caf\xc3\xa9/\x7f\x01",
				"/a\tb/%25", "/~!", "/%");
	static char all[257];

	round_trip(&v, "vpview2 3:100:5 /my%20pod/100%25/x%0Ay /caf%C3%A9/%7F%01 /a%09b/%2525 /~! "
		       "/%25");
	vp_view_done(&v);
	/* Every byte but NUL, in one path. */
	all[0] = '/';
	for (int i = 1; i < 256; i++)
		all[i] = (char)i;
	v = view(true, 0, 0, 0, all, all, all, all, all);
	round_trip(&v, NULL);
	vp_view_done(&v);
}

Test(view_text, long_paths)
{
	size_t n = 100000;
	char *p = malloc(n + 1);
	struct vp_view v;

	cr_assert_not_null(p);
	for (size_t i = 0; i < n; i++)
		p[i] = i % 7 == 0 ? '/' : i % 7 == 3 ? '%' : 'a';
	p[n] = '\0';
	v = view(false, 1, 2, 3, p, p, p, p, p);
	round_trip(&v, NULL);
	vp_view_done(&v);
	free(p);
}

static const char *const malformed[] = {
	"",
	"vpview2",
	"vpview2 ",
	"vpview2 host",
	"vpview2 host ",
	"vpview3 host / / / / /",
	"vpview0 host / / / / /",
	"VPVIEW2 host / / / / /",
	"vpview2host / / / / /",
	" vpview2 host / / / / /",
	"vpview2  host / / / / /",
	/* the pid namespace */
	"vpview2 hosts / / / / /",
	"vpview2 Host / / / / /",
	"vpview2 0:1:2 / / / / /",
	"vpview2 33:1:2 / / / / /",
	"vpview2 1:0:5 / / / / /",
	"vpview2 1:2147483648:5 / / / / /",
	"vpview2 -1:2:3 / / / / /",
	"vpview2 1:-2:3 / / / / /",
	"vpview2 +1:2:3 / / / / /",
	"vpview2 1:2 / / / / /",
	"vpview2 1:2:3:4 / / / / /",
	"vpview2 1::3 / / / / /",
	"vpview2 :1:3 / / / / /",
	"vpview2 1:2: / / / / /",
	"vpview2 1:2:x / / / / /",
	"vpview2 1:2:3x / / / / /",
	"vpview2 1:2:0x10 / / / / /",
	"vpview2 1:2:18446744073709551616 / / / / /",
	"vpview2 1:99999999999999999999:3 / / / / /",
	"vpview2 18446744073709551617:2:3 / / / / /",
	/* fields missing or extra */
	"vpview2 host / / / /",
	"vpview2 host / / / / ",
	"vpview2 host / / / / / /",
	"vpview2 host / / / / / ",
	"vpview2 host / / / / /\n",
	"vpview2 host  / / / / /",
	"vpview2 host / /  / / /",
	/* paths */
	"vpview2 host a / / / /",
	"vpview2 host / / / / a",
	"vpview2 host -- / / / /",
	"vpview2 host -/ / / / /",
	"vpview2 host / %2F / / /",
	"vpview2 host /% / / / /",
	"vpview2 host /%4 / / / /",
	"vpview2 host /a%4G / / / /",
	"vpview2 host /a%G4 / / / /",
	"vpview2 host /a%%41 / / / /",
	"vpview2 host /a%00b / / / /",
	"vpview2 host /a\tb / / / /",
	"vpview2 host /a\x01 / / / /",
	"vpview2 host /a\x7f / / / /",
	"vpview2 host /caf\xc3\xa9 / / / /",
	"vpview2 host /a\nb / / / /",
	"vpview2 host /a\rb / / / /",
	/* the texts of releases before the blkio controller: four paths, four numbers */
	"vpview1 host / / /",
	"vpview1 host / / / / /",
	"vpview1 host / / / /\n",
	"vpview1 host / / / / i=1,2,3,4,5",
	"vpview1 host / / / / i=1,2,3",
	"vpview1 host / / / / i=0,0,0,0",
};

Test(view_text, malformed_texts_refused)
{
	for (size_t i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++) {
		struct vp_view v = {.c = {.init = 777}};

		cr_assert_eq(vp_view_parse(malformed[i], &v), -EINVAL, "[%zu] \"%s\"", i,
			     malformed[i]);
		cr_assert_eq(v.c.init, 777, "[%zu]: ret written on failure", i);
		for (int k = 0; k < CG_NCONTROLLERS; k++)
			cr_assert_null(v.c.path[k]);
	}
}

/* Parse whatever it is given without crashing; what it accepts formats and parses back to
 * the same view. Whether it was accepted. */
static bool parse_anything(const char *text)
{
	static char again[1 << 20];
	struct vp_view v, back;
	int r = vp_view_parse(text, &v);

	cr_assert(r == 0 || r == -EINVAL, "%d for \"%s\"", r, text);
	if (r < 0)
		return false;
	cr_assert_eq(vp_view_format(&v, again, sizeof(again)), 0);
	cr_assert_eq(vp_view_parse(again, &back), 0, "%s", again);
	assert_view_eq(&v, &back);
	vp_view_done(&back);
	vp_view_done(&v);
	return true;
}

static uint32_t rnd(uint64_t *state)
{
	*state = *state * 6364136223846793005ULL + 1442695040888963407ULL;
	return (uint32_t)(*state >> 33);
}

Test(view_text, random_texts_never_crash)
{
	static const char *const pieces[] = {"vpview2 ", "vpview1 ", "host", " ", "/", "-", ":", "%", "1",
					     "0", "9", "A", "F", "%41", "%00", "%2", "a",
					     "32", "4294967296", "\n", "\x01", "\xff"};
	static const char *const seeds[] = {"vpview2 host / / / / /",
					    "vpview2 2:4242:123 /a%20b /a - / /b",
					    "vpview1 1:1:0 - - - -"};
	uint64_t st = 42;
	char text[512];
	size_t accepted = 0;

	for (int i = 0; i < 20000; i++) {
		size_t len = 0;

		if (i % 2) {
			/* A valid text with a few bytes changed, removed or inserted. */
			len = (size_t)snprintf(text, sizeof(text), "%s", seeds[rnd(&st) % 3]);
			for (int e = 1 + (int)(rnd(&st) % 3); e > 0 && len > 0; e--) {
				size_t at = rnd(&st) % len;
				char ch = (char)(1 + rnd(&st) % 255);

				switch (rnd(&st) % 3) {
				case 0:
					text[at] = ch;
					break;
				case 1:
					memmove(text + at, text + at + 1, len - at);
					len--;
					break;
				default:
					memmove(text + at + 1, text + at, len - at + 1);
					text[at] = ch;
					len++;
				}
			}
			text[len] = '\0';
		} else {
			/* Pieces of the grammar in random order. */
			text[0] = '\0';
			for (int n = (int)(rnd(&st) % 24); n > 0; n--) {
				const char *p = pieces[rnd(&st) % (sizeof(pieces) / sizeof(pieces[0]))];

				if (len + strlen(p) >= sizeof(text))
					break;
				memcpy(text + len, p, strlen(p) + 1);
				len += strlen(p);
			}
		}
		accepted += parse_anything(text);
	}
	cr_assert_gt(accepted, 0, "some mutations stay valid");
}

/* The cgroup directories' inode numbers: a trailing field when any is known. */
Test(view_text, inode_numbers)
{
	struct vp_view v = view(false, 1, 77, 9, "/a", "/a", "/a", NULL, "/a"), back;

	v.ino[CG_MEMORY] = 4026531835ULL;
	v.ino[CG_CPU] = 1;
	v.ino[CG_CPUACCT] = UINT64_MAX;
	v.ino[CG_BLKIO] = 5;
	round_trip(&v, "vpview2 1:77:9 /a /a /a - /a i=4026531835,1,18446744073709551615,0,5");
	cr_assert_eq(vp_view_parse("vpview2 1:77:9 /a /a /a - /a "
				   "i=4026531835,1,18446744073709551615,0,5",
				   &back),
		     0);
	for (int k = 0; k < CG_NCONTROLLERS; k++)
		cr_assert_eq(back.ino[k], v.ino[k], "controller %d", k);
	vp_view_done(&back);
	vp_view_done(&v);
	/* All 0 is written as no field; anything else malformed is refused. */
	static const char *const bad[] = {
		"vpview2 host / / / / / i=0,0,0,0,0", "vpview2 host / / / / / i=1,2,3,4",
		"vpview2 host / / / / / i=1,2,3,4,5,6", "vpview2 host / / / / / i=01,2,3,4,5",
		"vpview2 host / / / / / i=1,,3,4,5", "vpview2 host / / / / / i=1,2,3,4,5 ",
		"vpview2 host / / / / / i=18446744073709551616,0,0,0,0", "vpview2 host / / / / / i=",
		"vpview2 host / / / / / i=-1,0,0,0,0", "vpview2 host / / / / /  i=1,0,0,0,0",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_eq(vp_view_parse(bad[i], &back), -EINVAL, "%s", bad[i]);
}

/* A text of a release before the blkio controller (a daemon taking over from one reads its
 * slots): the four controllers it names, no blkio path; written again in today's form. */
Test(view_text, texts_without_blkio)
{
	struct vp_view v, want = view(false, 2, 4242, 123, "/a b", "/a", NULL, "/", NULL);

	cr_assert_eq(vp_view_parse("vpview1 2:4242:123 /a%20b /a - / i=7,8,0,9", &v), 0);
	assert_view_eq(&v, &want);
	cr_assert_eq(v.ino[CG_MEMORY], 7);
	cr_assert_eq(v.ino[CG_CPUSET], 9);
	cr_assert_eq(v.ino[CG_BLKIO], 0);
	want.ino[CG_MEMORY] = 7;
	want.ino[CG_CPU] = 8;
	want.ino[CG_CPUSET] = 9;
	round_trip(&want, "vpview2 2:4242:123 /a%20b /a - / - i=7,8,0,9,0");
	vp_view_done(&v);
	cr_assert_eq(vp_view_parse("vpview1 host / / / /", &v), 0);
	cr_assert_null(v.c.path[CG_BLKIO]);
	cr_assert_str_eq(v.c.path[CG_CPUSET], "/");
	vp_view_done(&v);
	vp_view_done(&want);
}
