#include "dcvkit/cert_chain.hpp"
#include "dcvkit/files.hpp"

namespace dcvkit {

Result<ChainDelivery> deliver_chain(const std::vector<std::string>& pems, const ChainExpectation& expected,
                                    const std::string& dir, bool overwrite, const DeliveryOrder& order, UnixSeconds now,
                                    const ExtraOutputs& extras) {
  auto chain = verify_chain(pems, expected, now);
  // The CA issued (and was paid): whatever failed, what it sent is kept, never under a name a
  // server would load.
  if (!chain) return keep_refused_chain(chain.error(), pems, dir, order.fetch_again, order.also);
  if (auto st = prepare_chain_dir(dir, overwrite, extras); !st) return st.error();
  const ChainFiles files = chain_files_in(dir);
  // A write killed half-way left staged temporary files: they go before the set is written again.
  for (const auto* path : {&files.cert, &files.chain, &files.fullchain, &files.root}) remove_staged_leftovers(*path);
  remove_staged_leftovers(extra_output_path(dir, std::nullopt));
  for (const auto format : extras.formats) remove_staged_leftovers(extra_output_path(dir, format));
  auto written = write_chain(*chain, dir, overwrite, extras);
  if (!written) return written.error();
  return ChainDelivery{std::move(*chain), std::move(*written)};
}

}  // namespace dcvkit
