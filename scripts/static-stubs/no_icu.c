/* no_icu.c - the ICU calls libmongoc makes, failing: no SASLprep in the static weir.
 * Linking ICU statically would add its 30 MB data archive to a 40 MB image budget. */
#include <unicode/ustring.h>
#include <unicode/usprep.h>

#include <stddef.h>

/*
 * libmongoc calls ICU only to SASLprep a SCRAM-SHA-256 password that has
 * characters outside printable ASCII. The flake's weir-static builds mongoc
 * with ENABLE_ICU=OFF; with these stubs the Debian static build behaves the
 * same: such a password fails authentication with mongoc's "SASLPrep"
 * error, every other password works. The stubs ignore their arguments
 * (built with -Wno-unused-parameter).
 */
static void
no_icu(UErrorCode *status)
{
	if (status != NULL && U_SUCCESS(*status))
		*status = U_UNSUPPORTED_ERROR;
}

/* The conversions: nothing written, an error set. */
static void *
no_conversion(int32_t *destlen, UErrorCode *status)
{
	if (destlen != NULL)
		*destlen = 0;
	no_icu(status);
	return (NULL);
}

UStringPrepProfile *
usprep_openByType(UStringPrepProfileType type, UErrorCode *status)
{
	no_icu(status);
	return (NULL);
}

void
usprep_close(UStringPrepProfile *profile)
{
}

int32_t
usprep_prepare(const UStringPrepProfile *prep, const UChar *src,
    int32_t srclen, UChar *dest, int32_t destcap, int32_t options,
    UParseError *perr, UErrorCode *status)
{
	no_icu(status);
	return (0);
}

char *
u_strToUTF8(char *dest, int32_t destcap, int32_t *destlen, const UChar *src,
    int32_t srclen, UErrorCode *status)
{
	return (no_conversion(destlen, status));
}

UChar *
u_strFromUTF8(UChar *dest, int32_t destcap, int32_t *destlen, const char *src,
    int32_t srclen, UErrorCode *status)
{
	return (no_conversion(destlen, status));
}
