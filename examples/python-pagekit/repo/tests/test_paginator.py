import unittest

from pagekit import Paginator, PageOutOfRange


class PaginatorTests(unittest.TestCase):
    def test_exact_multiple(self):
        pages = Paginator(list(range(20)), per_page=10)
        self.assertEqual(pages.page_count, 2)
        self.assertEqual(list(pages.page(2).items), list(range(10, 20)))

    def test_empty_first_page(self):
        self.assertEqual(Paginator([], per_page=5).page_count, 1)
        self.assertEqual(Paginator([], per_page=5, allow_empty_first_page=False).page_count, 0)

    def test_out_of_range(self):
        with self.assertRaises(PageOutOfRange):
            Paginator(list(range(10)), per_page=5).page(3)

    def test_previous_next_flags(self):
        page = Paginator(list(range(30)), per_page=10).page(2)
        self.assertTrue(page.has_previous)
        self.assertTrue(page.has_next)


if __name__ == "__main__":
    unittest.main()
