// unique_ptr owners for the OpenSSL objects we use, so no error path leaks one.
#pragma once

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <string>

#include "util/c_ptr.hpp"

namespace dcvkit::ossl {

template <auto Fn>
using Deleter = FreeWith<Fn>;

using Bio = std::unique_ptr<BIO, Deleter<BIO_free_all>>;
using PKey = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY_free>>;
using PKeyCtx = std::unique_ptr<EVP_PKEY_CTX, Deleter<EVP_PKEY_CTX_free>>;
using X509Req = std::unique_ptr<X509_REQ, Deleter<X509_REQ_free>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509_free>>;
using X509Name = std::unique_ptr<X509_NAME, Deleter<X509_NAME_free>>;
using Mac = std::unique_ptr<EVP_MAC, Deleter<EVP_MAC_free>>;
using MacCtx = std::unique_ptr<EVP_MAC_CTX, Deleter<EVP_MAC_CTX_free>>;
using GeneralNames = std::unique_ptr<GENERAL_NAMES, Deleter<GENERAL_NAMES_free>>;
using Extensions = std::unique_ptr<STACK_OF(X509_EXTENSION), Deleter<[](STACK_OF(X509_EXTENSION)* s) {
                                     sk_X509_EXTENSION_pop_free(s, X509_EXTENSION_free);
                                   }>>;

// The most recent OpenSSL error as text (and clears the queue), for Internal error messages.
inline std::string last_error() {
  unsigned long code = ERR_get_error();
  std::string text = "unknown OpenSSL error";
  if (code != 0) {
    char buf[256];
    ERR_error_string_n(code, buf, sizeof buf);
    text = buf;
  }
  ERR_clear_error();
  return text;
}

}  // namespace dcvkit::ossl
