// The subcommands. Each lives in its own cmd_*.cpp and takes argv with argv[0] = "dcvkit GROUP NAME".
#pragma once

namespace dcvkit::cli {

int cmd_token_new(int argc, char** argv);
int cmd_token_inspect(int argc, char** argv);
int cmd_token_verify(int argc, char** argv);
int cmd_csr_new(int argc, char** argv);
int cmd_csr_show(int argc, char** argv);
int cmd_plan(int argc, char** argv);
int cmd_publish(int argc, char** argv);
int cmd_unpublish(int argc, char** argv);
int cmd_check(int argc, char** argv);
int cmd_run(int argc, char** argv);
int cmd_authkey_create(int argc, char** argv);
int cmd_authkey_show(int argc, char** argv);
int cmd_authkey_delete(int argc, char** argv);
int cmd_order_submit(int argc, char** argv);
int cmd_order_status(int argc, char** argv);
int cmd_order_download(int argc, char** argv);
int cmd_order_list(int argc, char** argv);
int cmd_acme_register(int argc, char** argv);
int cmd_acme_show(int argc, char** argv);
int cmd_acme_deactivate(int argc, char** argv);
int cmd_acme_order(int argc, char** argv);
int cmd_acme_revoke(int argc, char** argv);
int cmd_order_cancel(int argc, char** argv);
int cmd_order_revoke(int argc, char** argv);
int cmd_order_reissue(int argc, char** argv);
int cmd_cert_show(int argc, char** argv);
int cmd_cert_match(int argc, char** argv);
int cmd_cert_chain(int argc, char** argv);
int cmd_cert_convert(int argc, char** argv);
int cmd_cert_expiry(int argc, char** argv);

}  // namespace dcvkit::cli
