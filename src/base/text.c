/* text.c - which characters of outside text are controls. */
#include "nnclass/base/text.h"

size_t nn_text_control_len(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    if (p[0] == '\0')
        return 0;
    if (p[0] < 0x20 || p[0] == 0x7f)
        return 1;
    /* U+0080-U+009F: C2 80-9F; U+061C (arabic letter mark): D8 9C */
    if ((p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) || (p[0] == 0xd8 && p[1] == 0x9c))
        return 2;
    /* U+200E-U+200F: E2 80 8E-8F; U+202A-U+202E: E2 80 AA-AE;
     * U+2066-U+2069: E2 81 A6-A9 */
    if (p[0] == 0xe2 && p[1] == 0x80 &&
        (p[2] == 0x8e || p[2] == 0x8f || (p[2] >= 0xaa && p[2] <= 0xae)))
        return 3;
    if (p[0] == 0xe2 && p[1] == 0x81 && p[2] >= 0xa6 && p[2] <= 0xa9)
        return 3;
    return 0;
}

unsigned nn_text_control_code(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    switch (nn_text_control_len(s)) {
    case 2: return (unsigned)(p[0] & 0x1f) << 6 | (p[1] & 0x3f);
    case 3: return (unsigned)(p[0] & 0x0f) << 12 | (unsigned)(p[1] & 0x3f) << 6 | (p[2] & 0x3f);
    default: return p[0];
    }
}
