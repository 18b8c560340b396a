/* The OCI hook's parsing of the state on stdin and of config.json. */
#include <criterion/criterion.h>
#include <errno.h>

#include "oci/oci-spec.h"

Test(oci, state_runc_and_crun)
{
	struct oci_state s;

	cr_assert_eq(oci_parse_state("{\"ociVersion\":\"1.0.2\",\"id\":\"c1\",\"status\":\"creating\","
				     "\"pid\":4242,\"bundle\":\"/run/c1\"}",
				     &s),
		     0);
	cr_assert_eq(s.pid, 4242);
	cr_assert_str_eq(s.bundle, "/run/c1");
	cr_assert_str_eq(s.id, "c1");
	cr_assert_not(s.opted_out);
	oci_state_done(&s);
	/* crun says "created"; status is not looked at. No id: "?". */
	cr_assert_eq(oci_parse_state("{\"status\":\"created\",\"pid\":7,\"bundle\":\"/b\","
				     "\"annotations\":{\"io.vprocfs.disable\":\"true\"}}",
				     &s),
		     0);
	cr_assert_str_eq(s.id, "?");
	cr_assert(s.opted_out);
	oci_state_done(&s);
}

Test(oci, state_refused)
{
	struct oci_state s;

	cr_assert_eq(oci_parse_state("", &s), -EINVAL);
	cr_assert_eq(oci_parse_state("[1]", &s), -EINVAL);
	cr_assert_eq(oci_parse_state("{\"pid\":0,\"bundle\":\"/b\"}", &s), -EINVAL);
	cr_assert_eq(oci_parse_state("{\"pid\":-3,\"bundle\":\"/b\"}", &s), -EINVAL);
	cr_assert_eq(oci_parse_state("{\"pid\":4294967297,\"bundle\":\"/b\"}", &s), -EINVAL);
	cr_assert_eq(oci_parse_state("{\"pid\":\"12\",\"bundle\":\"/b\"}", &s), -EINVAL);
	cr_assert_eq(oci_parse_state("{\"pid\":12,\"bundle\":\"rel\"}", &s), -EINVAL);
	cr_assert_eq(oci_parse_state("{\"pid\":12}", &s), -EINVAL);
	cr_assert_eq(oci_parse_state("{\"pid\":12,\"bundle\":[\"/b\"]}", &s), -EINVAL);
}

Test(oci, config_root_and_opt_out)
{
	char root[64];
	bool out = true;

	cr_assert_eq(oci_parse_config("{\"root\":{\"path\":\"rootfs\"}}", "/run/c1", root,
				      sizeof(root), &out),
		     0);
	cr_assert_str_eq(root, "/run/c1/rootfs");
	cr_assert_not(out);
	cr_assert_eq(oci_parse_config("{\"root\":{\"path\":\"/srv/r\"},\"annotations\":"
				      "{\"io.vprocfs.disable\":\"1\"}}",
				      "/run/c1", root, sizeof(root), &out),
		     0);
	cr_assert_str_eq(root, "/srv/r");
	cr_assert(out);
	cr_assert_eq(oci_parse_config("{\"root\":{}}", "/b", root, sizeof(root), &out), -EINVAL);
	cr_assert_eq(oci_parse_config("{\"root\":{\"path\":\"\"}}", "/b", root, sizeof(root), &out),
		     -EINVAL);
	cr_assert_eq(oci_parse_config("{\"root\":\"x\"}", "/b", root, sizeof(root), &out), -EINVAL);
	cr_assert_eq(oci_parse_config("not json", "/b", root, sizeof(root), &out), -EINVAL);
	cr_assert_eq(oci_parse_config("{\"root\":{\"path\":\"a-rather-long-root-directory-name-"
				      "that-does-not-fit\"}}",
				      "/b", root, 16, &out),
		     -ENAMETOOLONG);
}
