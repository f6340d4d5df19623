"""{{ cookiecutter.project_name }}.

{{ cookiecutter.description | wordwrap(88) }}
"""

__version__ = "0.1.0"
