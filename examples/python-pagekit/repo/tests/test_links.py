import unittest

from pagekit import Paginator, page_links


class LinkTests(unittest.TestCase):
    def test_window_with_gaps(self):
        pages = Paginator(list(range(100)), per_page=10)
        self.assertEqual(page_links(pages, 5), ["1", "…", "3", "4", "[5]", "6", "7", "…", "10"])

    def test_first_page(self):
        pages = Paginator(list(range(30)), per_page=10)
        self.assertEqual(page_links(pages, 1), ["[1]", "2", "3"])


if __name__ == "__main__":
    unittest.main()
