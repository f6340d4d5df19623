{#- Wide (e.g. CJK) characters take two columns: wrap non-ASCII text at half the width. -#}
"""{{ cookiecutter.project_name if cookiecutter.project_name.isascii() else cookiecutter.project_name | wordwrap(40) }}.

{{ cookiecutter.description | wordwrap(88 if cookiecutter.description.isascii() else 44) }}
"""

__version__ = "0.1.0"
