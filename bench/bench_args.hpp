// The command line of a benchmark: "--flag N" options, each setting one positive integer.
#pragma once

#include <cstdlib>
#include <map>
#include <stdexcept>
#include <string>

namespace dcvkit::bench {

// Sets the int of each flag given; an unknown flag, a missing value or one that is not a positive
// integer throws, with `usage` in the message.
inline void parse_int_flags(int argc, char** argv, const std::map<std::string, int*>& flags, const std::string& usage) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const auto flag = flags.find(arg);
    if (flag == flags.end()) throw std::runtime_error("unknown option " + arg + " (usage: " + usage + ")");
    if (i + 1 >= argc) throw std::runtime_error(arg + " needs a value");
    char* end = nullptr;
    const long value = std::strtol(argv[++i], &end, 10);
    if (*end != '\0' || value <= 0 || value > 1000000) throw std::runtime_error(arg + " must be a positive integer");
    *flag->second = static_cast<int>(value);
  }
}

}  // namespace dcvkit::bench
