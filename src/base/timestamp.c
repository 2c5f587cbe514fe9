/* timestamp.c - strict RFC 3339 parsing and UTC formatting.
 * Civil-date arithmetic follows Howard Hinnant's days_from_civil. */
#include <string.h>
#include <time.h>

#include "base/timestamp.h"

static int
digits(const char *s, int n, int *out)
{
	int	v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return (-1);
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return (0);
}

static int
is_leap(int y)
{
	return ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0);
}

static int
days_in_month(int y, int m)
{
	static const int	dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30,
	    31, 30, 31};

	return (m == 2 && is_leap(y) ? 29 : dim[m - 1]);
}

static int64_t
days_from_civil(int y, int m, int d)
{
	int64_t		era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (era * 146097 + doe - 719468);
}

static int
parse_date_time(const char *s, int *f)
{
	if (digits(s, 4, &f[0]) || s[4] != '-' || digits(s + 5, 2, &f[1]) ||
	    s[7] != '-' || digits(s + 8, 2, &f[2]))
		return (-1);
	if (s[10] != 'T' && s[10] != 't' && s[10] != ' ')
		return (-1);
	if (digits(s + 11, 2, &f[3]) || s[13] != ':' ||
	    digits(s + 14, 2, &f[4]) || s[16] != ':' || digits(s + 17, 2, &f[5]))
		return (-1);
	if (f[1] < 1 || f[1] > 12 || f[2] < 1 || f[2] > days_in_month(f[0], f[1]))
		return (-1);
	/* A leap second (60) is accepted and folded into the next second. */
	if (f[3] > 23 || f[4] > 59 || f[5] > 60)
		return (-1);
	return (0);
}

static int
parse_offset(const char *s, size_t len, int *offset_min)
{
	int	hh, mm;

	if (len == 1 && (s[0] == 'Z' || s[0] == 'z')) {
		*offset_min = 0;
		return (0);
	}
	if (len != 6 || (s[0] != '+' && s[0] != '-') || s[3] != ':')
		return (-1);
	if (digits(s + 1, 2, &hh) || digits(s + 4, 2, &mm) || hh > 23 || mm > 59)
		return (-1);
	*offset_min = (hh * 60 + mm) * (s[0] == '-' ? -1 : 1);
	return (0);
}

int
weir_ts_parse_rfc3339(const char *s, size_t len, int64_t *out_ms)
{
	int		f[6], offset_min, frac_ms = 0, scale = 100;
	size_t		i = 19;

	if (len < 20 || parse_date_time(s, f) == -1)
		return (-1);
	if (s[i] == '.') {
		if (++i >= len || s[i] < '0' || s[i] > '9')
			return (-1);
		for (; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
			frac_ms += (s[i] - '0') * scale;
			scale /= 10;
		}
	}
	if (i >= len || parse_offset(s + i, len - i, &offset_min) == -1)
		return (-1);
	*out_ms = ((days_from_civil(f[0], f[1], f[2]) * 86400 +
	    f[3] * 3600 + f[4] * 60 + f[5]) - (int64_t)offset_min * 60) * 1000 +
	    frac_ms;
	return (0);
}

static void
put_digits(char *p, int v, int n)
{
	while (n-- > 0) {
		p[n] = (char)('0' + v % 10);
		v /= 10;
	}
}

/* RFC 3339 has four-digit years only: times outside them are clamped. */
#define TS_FORMAT_MIN_MS	(-62167219200000LL)	/* 0000-01-01 */
#define TS_FORMAT_MAX_MS	253402300799999LL	/* 9999-12-31T23:59:59.999 */

void
weir_ts_format(int64_t ms, char buf[25])
{
	time_t		secs;
	struct tm	tm;
	int64_t		rem;

	if (ms < TS_FORMAT_MIN_MS)
		ms = TS_FORMAT_MIN_MS;
	if (ms > TS_FORMAT_MAX_MS)
		ms = TS_FORMAT_MAX_MS;
	rem = ms % 1000;
	if (rem < 0)
		rem += 1000;
	secs = (time_t)((ms - rem) / 1000);
	gmtime_r(&secs, &tm);
	/* Not strftime: its %Y writes year 999 as "999". */
	memcpy(buf, "0000-00-00T00:00:00.000Z", 25);
	put_digits(buf, tm.tm_year + 1900, 4);
	put_digits(buf + 5, tm.tm_mon + 1, 2);
	put_digits(buf + 8, tm.tm_mday, 2);
	put_digits(buf + 11, tm.tm_hour, 2);
	put_digits(buf + 14, tm.tm_min, 2);
	put_digits(buf + 17, tm.tm_sec, 2);
	put_digits(buf + 20, (int)rem, 3);
}

int64_t
weir_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

uint64_t
weir_mono_ns(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec);
}
