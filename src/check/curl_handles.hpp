// Owned libcurl handles, so every early return releases what it made.
#pragma once

#include <curl/curl.h>

#include <memory>

#include "util/c_ptr.hpp"

namespace dcvkit::curl {

using Easy = std::unique_ptr<CURL, FreeWith<curl_easy_cleanup>>;
using Multi = std::unique_ptr<CURLM, FreeWith<curl_multi_cleanup>>;
using Slist = std::unique_ptr<curl_slist, FreeWith<curl_slist_free_all>>;
using Url = std::unique_ptr<CURLU, FreeWith<curl_url_cleanup>>;
using Chars = std::unique_ptr<char, FreeWith<curl_free>>;

// curl_global_init once per process, before the first handle; false when libcurl refused.
bool global_init();

}  // namespace dcvkit::curl
