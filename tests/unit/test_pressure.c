/* /proc/pressure/{cpu,memory,io} from a v2 cgroup's *.pressure. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>

#include "helpers.h"
#include "proc_views/pressure.h"

static struct strbuf out = STRBUF_INIT;

static void teardown(void)
{
	sb_release(&out);
}

TestSuite(pressure, .fini = teardown);

Test(pressure, captures_written_back_unchanged)
{
	static const char *const files[] = {
		"fixtures/v2/cgroup/cpu.pressure",
		"fixtures/v2/cgroup/memory.pressure",
		"fixtures/v2/cgroup/io.pressure",
		"fixtures/v2/cgroup/vp_fixture/cpu.pressure",
		"fixtures/v2/cgroup/vp_fixture/memory.pressure",
		"fixtures/v2/cgroup/vp_fixture/io.pressure",
		"fixtures/v2/cgroup/vp_fixture/ctr/cpu.pressure",
		"fixtures/v2/cgroup/vp_fixture/ctr/memory.pressure",
		"fixtures/v2/cgroup/vp_fixture/ctr/io.pressure",
	};

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char *text = fixture(files[i]);
		struct pv_pressure p;

		cr_assert_eq(pv_pressure_parse(text, &p), 0, "%s", files[i]);
		cr_assert(p.has_full, "%s", files[i]);
		cr_assert_eq(pv_pressure_render(&p, &out), 0);
		cr_assert_str_eq(out.buf, text, "%s", files[i]);
		free(text);
	}
}

Test(pressure, container_cpu_figures)
{
	char *text = fixture("fixtures/v2/cgroup/vp_fixture/ctr/cpu.pressure");
	struct pv_pressure p;

	/* The container's busy loop, throttled by its 0.5-CPU quota. */
	cr_assert_eq(pv_pressure_parse(text, &p), 0);
	cr_assert_eq(p.some.avg[0], 2197);
	cr_assert_eq(p.some.avg[1], 462);
	cr_assert_eq(p.some.avg[2], 99);
	cr_assert_eq(p.some.total, 3065511);
	cr_assert_eq(p.full.total, 3064787);
	free(text);
}

Test(pressure, cpu_without_full_before_5_13)
{
	struct pv_pressure p;

	cr_assert_eq(pv_pressure_parse("some avg10=100.00 avg60=0.05 avg300=10.50 total=1", &p), 0);
	cr_assert_not(p.has_full);
	cr_assert_eq(p.some.avg[0], 10000);
	cr_assert_eq(pv_pressure_render(&p, &out), 0);
	cr_assert_str_eq(out.buf, "some avg10=100.00 avg60=0.05 avg300=10.50 total=1\n");
	p.some.total = UINT64_MAX;
	p.some.avg[2] = 7;
	cr_assert_eq(pv_pressure_render(&p, &out), 0);
	cr_assert_str_eq(out.buf, "some avg10=100.00 avg60=0.05 avg300=0.07 "
				  "total=18446744073709551615\n");
}

Test(pressure, malformed)
{
	static const char *const bad[] = {
		"",
		"\n",
		"full avg10=0.00 avg60=0.00 avg300=0.00 total=0\n",
		"full avg10=0.00 avg60=0.00 avg300=0.00 total=0\n"
		"some avg10=0.00 avg60=0.00 avg300=0.00 total=0\n",
		"some avg10=0.00 avg60=0.00 avg300=0.00 total=0\n"
		"some avg10=0.00 avg60=0.00 avg300=0.00 total=0\n",
		"some avg10=0.00 avg60=0.00 avg300=0.00 total=0\n"
		"full avg10=0.00 avg60=0.00 avg300=0.00 total=0\n"
		"full avg10=0.00 avg60=0.00 avg300=0.00 total=0\n",
		"some avg10=0.00 avg60=0.00 avg300=0.00 total=0\n\n",
		"some avg10=0.00 avg60=0.00 avg300=0.00\n",
		"some avg10=0.00 avg60=0.00 total=0\n",
		"some avg60=0.00 avg10=0.00 avg300=0.00 total=0\n",
		"some avg10=0.00 avg60=0.00 avg300=0.00 total=0 extra=1\n",
		"some avg10=0.00 avg60=0.00 avg300=0.00 total=0 \n",
		"some  avg10=0.00 avg60=0.00 avg300=0.00 total=0\n",
		"some avg10=0.00  avg60=0.00 avg300=0.00 total=0\n",
		"some avg10=0.0 avg60=0.00 avg300=0.00 total=0\n",
		"some avg10=0.000 avg60=0.00 avg300=0.00 total=0\n",
		"some avg10=.00 avg60=0.00 avg300=0.00 total=0\n",
		"some avg10=0,00 avg60=0.00 avg300=0.00 total=0\n",
		"some avg10=-1.00 avg60=0.00 avg300=0.00 total=0\n",
		"some avg10=0.0x avg60=0.00 avg300=0.00 total=0\n",
		"some avg10=0.00 avg60=0.00 avg300=0.00 total=\n",
		"some avg10=0.00 avg60=0.00 avg300=0.00 total=x\n",
		"some avg10=00.00 avg60=0.00 avg300=0.00 total=0\n",
		"some avg10=0.00 avg60=0.00 avg300=0.00 total=01\n",
		"some avg10=0.00 avg60=0.00 avg300=0.00 total=18446744073709551616\n",
		"some avg10=184467440737095517.00 avg60=0.00 avg300=0.00 total=0\n",
		"Some avg10=0.00 avg60=0.00 avg300=0.00 total=0\n",
		"some\n",
		"1\n",
	};
	struct pv_pressure p = {.some.total = 99};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_eq(pv_pressure_parse(bad[i], &p), -EINVAL, "accepted %s", bad[i]);
	cr_assert_eq(p.some.total, 99);
}
