from rest_framework import generics

from orders.models import Order

from .serializers import OrderSerializer


class OrderListCreate(generics.ListCreateAPIView):
    """GET a page of orders with their lines; POST one with its lines."""

    queryset = Order.objects.all().order_by("-created_at", "-pk")
    serializer_class = OrderSerializer

    def perform_create(self, serializer):
        serializer.save(salesperson=self.request.user, created_by=self.request.user)
