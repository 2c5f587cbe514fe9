/* test_textbuf.c - the growable render buffer and the growth rule of
 * every reused heap buffer (base/grow). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/grow.h"
#include "base/textbuf.h"
#include "unit.h"

START_TEST(test_textbuf_append_printf)
{
	struct weir_textbuf	b = { 0 };

	weir_textbuf_append(&b, "abc", 3);
	weir_textbuf_printf(&b, "-%d-%s", 42, "x");
	weir_textbuf_append(&b, "zzz", 1);
	ck_assert_uint_eq(b.len, 9);
	ck_assert_str_eq(b.data, "abc-42-xz");
	ck_assert_int_eq(b.oom, 0);
	weir_textbuf_free(&b);
	ck_assert_ptr_null(b.data);
	ck_assert_uint_eq(b.len, 0);
	ck_assert_uint_eq(b.cap, 0);
}
END_TEST

START_TEST(test_textbuf_grows)
{
	struct weir_textbuf	b = { 0 };
	char			*big = unit_repeat("0123456789", 500);

	for (int i = 0; i < 3; i++)
		weir_textbuf_append(&b, big, 5000);
	weir_textbuf_printf(&b, "%s|", big);
	ck_assert_uint_eq(b.len, 20001);
	ck_assert_uint_gt(b.cap, b.len);
	ck_assert_int_eq(memcmp(b.data + 15000, big, 5000), 0);
	ck_assert_int_eq(b.data[20000], '|');
	ck_assert_int_eq(b.data[20001], '\0');
	ck_assert_int_eq(b.oom, 0);
	weir_textbuf_free(&b);
	free(big);
}
END_TEST

START_TEST(test_textbuf_reset_reuses)
{
	struct weir_textbuf	b = { 0 };
	char			*p;
	size_t			cap;

	weir_textbuf_reset(&b);	/* on an empty buffer */
	ck_assert_uint_eq(b.len, 0);
	weir_textbuf_printf(&b, "%0500d", 7);
	p = b.data;
	cap = b.cap;
	weir_textbuf_reset(&b);
	ck_assert_uint_eq(b.len, 0);
	ck_assert_str_eq(b.data, "");
	weir_textbuf_printf(&b, "%s", "again");
	ck_assert_ptr_eq(b.data, p);
	ck_assert_uint_eq(b.cap, cap);
	ck_assert_str_eq(b.data, "again");
	weir_textbuf_free(&b);
}
END_TEST

START_TEST(test_textbuf_room)
{
	struct weir_textbuf	b = { 0 };
	char			*p;

	weir_textbuf_append(&b, "ab", 2);
	p = weir_textbuf_room(&b, 3000);
	ck_assert_ptr_nonnull(p);
	ck_assert_uint_ge(b.cap, 2 + 3000 + 1);
	memset(p, 'x', 3000);
	weir_textbuf_wrote(&b, 2999);
	ck_assert_uint_eq(b.len, 3001);
	ck_assert_int_eq(b.data[3001], '\0');
	ck_assert_int_eq(b.data[3000], 'x');
	ck_assert_int_eq(memcmp(b.data, "abx", 3), 0);
	/* After a failed growth nothing more is written. */
	b.oom = 1;
	ck_assert_ptr_null(weir_textbuf_room(&b, 1));
	weir_textbuf_append(&b, "y", 1);
	ck_assert_uint_eq(b.len, 3001);
	weir_textbuf_free(&b);
}
END_TEST

START_TEST(test_grow_doubles_from_first_size)
{
	size_t	cap = 0;
	char	*p, *q;

	/* No capacity yet: the first size, even for nothing. */
	p = weir_grow(NULL, &cap, 0, 64);
	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq(cap, 64);
	memset(p, 'a', 64);
	ck_assert_ptr_eq(weir_grow(p, &cap, 64, 64), p);
	ck_assert_uint_eq(cap, 64);
	q = weir_grow(p, &cap, 65, 64);
	ck_assert_ptr_nonnull(q);
	ck_assert_uint_eq(cap, 128);
	ck_assert_int_eq(q[63], 'a');
	q = weir_grow(q, &cap, 1000, 64);
	ck_assert_uint_eq(cap, 1024);
	/* A size no doubling reaches fails and leaves the buffer as it was. */
	ck_assert_ptr_null(weir_grow(q, &cap, SIZE_MAX, 64));
	ck_assert_uint_eq(cap, 1024);
	ck_assert_int_eq(q[0], 'a');
	free(q);
}
END_TEST

Suite *
textbuf_suite(void)
{
	Suite	*s = suite_create("textbuf");
	TCase	*tc = tcase_create("buffer");

	tcase_add_test(tc, test_textbuf_append_printf);
	tcase_add_test(tc, test_textbuf_grows);
	tcase_add_test(tc, test_textbuf_reset_reuses);
	tcase_add_test(tc, test_textbuf_room);
	tcase_add_test(tc, test_grow_doubles_from_first_size);
	suite_add_tcase(s, tc);
	return (s);
}
