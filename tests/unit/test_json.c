/* test_json.c: unit tests of json.c: escapes, and valid UTF-8 out of any bytes in. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "unit.h"

static const char *
esc(const char *s)
{
	static char buf[256];

	json_escape(buf, sizeof(buf), 0, s);
	return buf;
}

/* What json_fputs writes for s. */
static const char *
quoted(const char *s)
{
	static char buf[256];
	FILE *f = fmemopen(buf, sizeof(buf), "w");

	json_fputs(f, s);
	fclose(f);
	return buf;
}

static void
test_utf8_len(void)
{
	CHECK(json_utf8_len((const unsigned char *)"a", 1) == 1);
	CHECK(json_utf8_len((const unsigned char *)"\xc3\xa9", 2) == 2);
	CHECK(json_utf8_len((const unsigned char *)"\xe2\x82\xac", 3) == 3);
	CHECK(json_utf8_len((const unsigned char *)"\xf0\x9f\x98\x80", 4) == 4);
	CHECK(json_utf8_len((const unsigned char *)"\xf4\x8f\xbf\xbf", 4) == 4);
	/* stray continuation, overlong forms, surrogates, too big, cut */
	CHECK(json_utf8_len((const unsigned char *)"\x80", 1) == 0);
	CHECK(json_utf8_len((const unsigned char *)"\xc0\xaf", 2) == 0);
	CHECK(json_utf8_len((const unsigned char *)"\xc1\xbf", 2) == 0);
	CHECK(json_utf8_len((const unsigned char *)"\xe0\x80\xaf", 3) == 0);
	CHECK(json_utf8_len((const unsigned char *)"\xed\xa0\x80", 3) == 0);
	CHECK(json_utf8_len((const unsigned char *)"\xf0\x80\x80\xaf", 4) == 0);
	CHECK(json_utf8_len((const unsigned char *)"\xf4\x90\x80\x80", 4) == 0);
	CHECK(json_utf8_len((const unsigned char *)"\xf5\x80\x80\x80", 4) == 0);
	CHECK(json_utf8_len((const unsigned char *)"\xff", 1) == 0);
	CHECK(json_utf8_len((const unsigned char *)"\xe2\x82", 2) == 0);
	CHECK(json_utf8_len((const unsigned char *)"\xe2\x82x", 3) == 0);
}

static void
test_escape(void)
{
	CHECK_STR(esc("plain"), "plain");
	CHECK_STR(esc("a\"b\\c"), "a\\\"b\\\\c");
	CHECK_STR(esc("l1\nl2\tx"), "l1\\nl2\\tx");
	CHECK_STR(esc("\x01\x1f\x7f"), "\\u0001\\u001f\\u007f");
	CHECK_STR(esc("caf\xc3\xa9"), "caf\xc3\xa9");
	/* the lock command's "\xff\xfe" of issue 9 */
	CHECK_STR(esc("said '\xff\xfe'"), "said '\\ufffd\\ufffd'");
	/* a cut sequence at the end, then one in the middle */
	CHECK_STR(esc("x\xe2\x82"), "x\\ufffd\\ufffd");
	CHECK_STR(esc("\xe2\x82x"), "\\ufffd\\ufffdx");
	CHECK_STR(esc("\xed\xa0\x80"), "\\ufffd\\ufffd\\ufffd");
	CHECK_STR(quoted("a\xff\"b"), "\"a\\ufffd\\\"b\"");
}

static void
test_bounds(void)
{
	char buf[8];
	size_t off;

	/* never an escape or a character cut in half; always terminated */
	off = json_escape(buf, sizeof(buf), 0, "abc\xff");
	CHECK(off == 3);
	CHECK_STR(buf, "abc");
	off = json_escape(buf, sizeof(buf), 0, "ab\xe2\x82\xac\xe2\x82\xac");
	CHECK(off == 5);
	CHECK_STR(buf, "ab\xe2\x82\xac");
	memcpy(buf, "{", 2);
	off = json_escape(buf, sizeof(buf), 1, "\"\"\"\"");
	CHECK(off == 7);
	CHECK_STR(buf, "{\\\"\\\"\\\"");
	CHECK(json_escape(buf, 0, 0, "x") == 0);
}

int
main(void)
{
	test_utf8_len();
	test_escape();
	test_bounds();
	return UNIT_DONE("json");
}
