// GET /certificate/{id}/download/format/{pem_all|pem_noroot}: leaf first, unless --shuffle-chain.
#include "api.hpp"

namespace dcvkit::sandbox {

void add_certificate_routes(Router& router) {
  router.add("GET", R"(/certificate/([^/]+)/download/format/([^/]+))", [](Sandbox& sb, const Call& call) {
    const std::string& format = call.args.at(1);
    if (format != "pem_all" && format != "pem_noroot")
      throw ApiError(400, "invalid_format", "format " + format + " is not offered here: use pem_all or pem_noroot");
    const Id id = call.id_arg(0, "certificate");
    auto certificate = sb.store.certificate(call.account, id);
    if (!certificate) throw ApiError(404, "not_found|certificate", "no certificate " + std::to_string(id));
    Reply r;
    r.content_type = "text/plain";
    const std::string root = format == "pem_all" ? certificate->root_pem : "";
    // Shuffled: intermediate, root, leaf — neither leaf first nor simply reversed: a client must sort.
    r.body = sb.issuance.shuffle_chain ? certificate->intermediate_pem + root + certificate->leaf_pem
                                       : certificate->leaf_pem + certificate->intermediate_pem + root;
    return r;
  });
}

}  // namespace dcvkit::sandbox
