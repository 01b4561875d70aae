"""The operator console (SPEC O4): a Saleor Dashboard App that the plugin serves.

The plugin answers the App's manifest and the console's pages under
``/plugins/global/saleor_rewards/app/`` (API.md "Operator console"); the pages are a
built single-page app (sources in ``console/`` at the repository's root, built into
``static/`` and shipped in the package, so ``pip install`` needs no node). The pages
call the plugin's GraphQL endpoint with the token the Dashboard's App Bridge hands
them, so the console can do exactly what the signed-in staff member may do, and no
more. Imports nothing from Saleor.
"""
