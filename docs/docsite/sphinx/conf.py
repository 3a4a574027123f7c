# Sphinx configuration of the fedops.rocketchat docsite (built by scripts/docsite.sh from antsibull-docs output).
# Offline: cross references into the Ansible documentation resolve against the small inventory shipped in
# intersphinx/ (scripts/docsite.sh compiles it), never against the network.
import os

project = 'fedops.rocketchat'
copyright = 'fedops.rocketchat contributors'
title = 'fedops.rocketchat Collection Documentation'
html_short_title = 'fedops.rocketchat'

extensions = ['sphinx.ext.intersphinx', 'sphinx_antsibull_ext']

pygments_style = 'ansible'
highlight_language = 'YAML+Jinja'

html_theme = 'sphinx_ansible_theme'
html_show_sphinx = False
display_version = False
html_use_smartypants = True
html_use_modindex = False
html_use_index = False
html_copy_source = False

_HERE = os.path.dirname(os.path.abspath(__file__))
intersphinx_mapping = {
    'ansible_devel': ('https://docs.ansible.com/projects/ansible/devel/',
                      os.path.join(_HERE, 'intersphinx', 'ansible_devel.inv')),
}
intersphinx_disabled_reftypes = []

default_role = 'any'
nitpicky = True
