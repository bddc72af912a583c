// node-wpapi against a running server, as a WordPress client would use it: discovery from the
// site's address, the customers walked page by page through `_paging.next`, `_embed`.
// node wpapi.mjs SITE_URL LOGIN PASSWORD; prints one JSON object.
import WPAPI from 'wpapi';

const [site, username, password] = process.argv.slice(2);
const discovered = await WPAPI.discover(site);
const wp = discovered.auth({ username, password });
const kbs = wp.namespace('kbs/v1');

const ids = [];
let pages = 0;
let total = null;
let request = kbs.customers().perPage(7).order('asc');
while (request) {
  const page = await request.get();
  pages += 1;
  total = page._paging ? page._paging.total : page.length;
  ids.push(...page.map((customer) => customer.id));
  request = page._paging && page._paging.next;
}

const embeddedList = await kbs.customers().perPage(10).embed().get();
const withCompany = embeddedList.find((customer) => customer.company);
const one = await kbs.customers().id(withCompany.id).embed().get();

console.log(JSON.stringify({
  endpoint: discovered._options.endpoint,
  namespaces: Object.keys(wp._ns),
  pages,
  total,
  ids,
  one,
  embeddedList,
}));
