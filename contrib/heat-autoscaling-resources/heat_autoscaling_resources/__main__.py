"""``python -m heat_autoscaling_resources``: print the directory to add to
upstream Heat's ``plugin_dirs`` option."""

if __name__ == '__main__':
    import os
    print(os.path.dirname(os.path.abspath(__file__)))
