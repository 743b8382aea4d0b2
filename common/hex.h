#pragma once
// The value of one hexadecimal digit, shared by every parser of escapes and hex text (percent-decoding,
// UUIDs, URLs): 0-15, or -1 for a character that is not a hex digit.
namespace aaiti {

constexpr int hex_digit_value(char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

}  // namespace aaiti
